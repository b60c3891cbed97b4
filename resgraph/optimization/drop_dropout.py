"""Inference pass: dropout is the identity in eval mode, so its calls go."""

from __future__ import annotations

from torch import fx, nn

from .fx_match import drop_module, finish, module_of


def drop_dropout(gm: fx.GraphModule) -> list[str]:
    changes = []
    dropouts = [n for n in gm.graph.nodes if isinstance(module_of(gm, n), nn.modules.dropout._DropoutNd)]
    for node in dropouts:
        node.replace_all_uses_with(node.args[0])
        gm.graph.erase_node(node)
        drop_module(gm, node.target)
        changes.append(f"removed dropout {node.target}")
    finish(gm)
    return changes
