"""Inference pass: a ReLU whose input is a fresh tensor nobody else reads overwrites it in place."""

from __future__ import annotations

import torch
from torch import fx

from .fx_match import finish, fresh, is_relu


def inplace_relu(gm: fx.GraphModule) -> list[str]:
    changes = []
    for node in list(gm.graph.nodes):
        if not is_relu(gm, node) or not isinstance(node.args[0], fx.Node):
            continue
        src = node.args[0]
        if len(src.users) != 1 or not fresh(gm, src):
            continue
        with gm.graph.inserting_before(node):
            new = gm.graph.call_function(torch.relu_, (src,))
        new.meta.update(node.meta)
        new.meta.pop("resgraph_op", None)  # its output is now its input's storage, not a fresh tensor
        node.replace_all_uses_with(new)
        gm.graph.erase_node(node)
        changes.append(f"{node.meta.get('resgraph_node', node.name)}: relu in place")
    finish(gm)
    return changes
