"""Inference pass: a ReLU whose input is a fresh tensor nobody else reads overwrites it in place."""

from __future__ import annotations

import operator

import torch
from torch import fx, nn

from .fx_match import finish, is_relu, module_of

FRESH_MODULES = (nn.Conv2d, nn.BatchNorm2d, nn.BatchNorm1d, nn.Linear)
FRESH_FUNCTIONS = {operator.add, torch.add}


def _fresh(gm: fx.GraphModule, node: fx.Node) -> bool:
    """Whether the node allocates its output (not a view, not an input, not a shared buffer)."""
    if node.op == "call_module":
        m = module_of(gm, node)
        return isinstance(m, FRESH_MODULES) or getattr(m, "fresh_output", False)
    return node.op == "call_function" and node.target in FRESH_FUNCTIONS


def inplace_relu(gm: fx.GraphModule) -> list[str]:
    changes = []
    for node in list(gm.graph.nodes):
        if not is_relu(gm, node) or not isinstance(node.args[0], fx.Node):
            continue
        src = node.args[0]
        if len(src.users) != 1 or not _fresh(gm, src):
            continue
        with gm.graph.inserting_before(node):
            new = gm.graph.call_function(torch.relu_, (src,))
        new.meta.update(node.meta)
        node.replace_all_uses_with(new)
        gm.graph.erase_node(node)
        changes.append(f"{node.meta.get('resgraph_node', node.name)}: relu in place")
    finish(gm)
    return changes
