"""Runs of ops over channels stay channels-last: one permute in, one permute out.

An op over the channels of an NCHW map (layernorm, linear) lowers on its own to
permute(0, 2, 3, 1) -> op -> permute(0, 3, 1, 2). Chained (ConvNeXt's norm -> fc1 -> gelu -> fc2)
that gives back-to-back permutes, and the activation between them runs on a strided NCHW view,
where torch's kernels may round differently from the contiguous NHWC one timm's MLP runs. So,
right after emission (opt level 0 computes what the reference does), a permute back to NCHW
that only feeds a pointwise op (`OpDef.pointwise`) moves after it, and a permute back that only
feeds a permute to NHWC cancels with it. A value read by anything else stays a plain NCHW tensor.
"""

from __future__ import annotations

import torch
from torch import fx

from ..ir.ops.registry import get, is_op

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


def keep_channels_last(graph: fx.Graph) -> None:
    """Rewrite `graph` in place: pointwise ops move inside channels-last runs, inverse permutes cancel."""
    for node in list(graph.nodes):
        while _permute(node, TO_NCHW) and len(node.users) == 1:
            (user,) = node.users
            if _permute(user, TO_NHWC):
                user.replace_all_uses_with(node.args[0])
                graph.erase_node(user)
                graph.erase_node(node)
                break
            if not _pointwise(user, node):
                break
            _swap(node, user)


def _permute(node: fx.Node, dims: tuple[int, ...]) -> bool:
    return (node.op == "call_function" and node.target is torch.permute and not node.kwargs
            and len(node.args) == 2 and tuple(node.args[1]) == dims)


def _pointwise(node: fx.Node, operand: fx.Node) -> bool:
    """Whether `node` is an op's whole output, elementwise on `operand` alone (attributes aside)."""
    op = node.meta.get("resgraph_op")
    if op is None or not is_op(op) or not get(op).pointwise or node.op not in ("call_function", "call_module"):
        return False
    inputs = node.all_input_nodes
    return node.args[:1] == (operand,) and inputs == [operand]


def _swap(permute: fx.Node, op: fx.Node) -> None:
    """`op(permute(x))` → `permute(op(x))`. The permute now holds the op's output (its IR value, NCHW)
    and takes its tags; the op, now on the channels-last value, is an inner node of its IR node,
    like the layer between a lone layernorm's permutes. fx names the permute after the op (`act_1`)."""
    op.replace_all_uses_with(permute)
    op.args = (permute.args[0], *op.args[1:])
    permute.args = (op, *permute.args[1:])
    op.append(permute)  # the permute now reads the op, so it comes after it
    permute.meta.pop("resgraph_op", None)
    permute.meta.update({k: op.meta[k] for k in ("resgraph_node", "resgraph_op") if k in op.meta})
    op.meta.pop("resgraph_op", None)  # its value is channels-last: no IR type describes it
    permute._rename(op.name)


__all__ = ["keep_channels_last"]
