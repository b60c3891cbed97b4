"""Inference pass: a dense block writes every feature map once into one preallocated buffer.

A DenseNet block concatenates all earlier feature maps before each layer, so eager code copies
O(L^2) channels per block. When a family of `torch.cat(list, 1)` nodes share a first operand and
each operand list is a prefix of the longest, each operand is copied once into its channel slice
of a buffer allocated for the whole block, and each concat becomes a prefix view of it.
"""

from __future__ import annotations

import torch
from torch import fx

from .fx_match import channels, finish, is_cat


def block_buffer(x: torch.Tensor, total: int) -> torch.Tensor:
    """An uninitialized [N, total, ...] buffer (a map's H, W, or nothing for vectors) in x's memory
    format, dtype and device."""
    cl = x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    fmt = torch.channels_last if cl else torch.contiguous_format
    return torch.empty((x.shape[0], total, *x.shape[2:]), dtype=x.dtype, device=x.device, memory_format=fmt)


def write_slice(buf: torch.Tensor, x: torch.Tensor, start: int) -> torch.Tensor:
    """Copy x into channels [start, start + C) of buf; return buf so that reads depend on the write."""
    buf[:, start:start + x.shape[1]].copy_(x)
    return buf


def prefix(buf: torch.Tensor, end: int) -> torch.Tensor:
    return buf if end == buf.shape[1] else buf[:, :end]


def _families(gm: fx.GraphModule) -> list[list[fx.Node]]:
    """Concats grouped by their first operand, each group ordered by operand count."""
    groups: dict[fx.Node, list[fx.Node]] = {}
    for node in gm.graph.nodes:
        if is_cat(node) and node.args[0]:
            groups.setdefault(node.args[0][0], []).append(node)
    return [sorted(g, key=lambda n: len(n.args[0])) for g in groups.values() if len(g) > 1]


def _mutated(node: fx.Node) -> bool:
    """Whether a user may write into this concat's result in place (then it must stay a copy)."""
    for user in node.users:
        name = getattr(user.target, "__name__", str(user.target))
        if name.endswith("_") or user.kwargs.get("inplace"):
            return True
    return False


def _rewrite(gm: fx.GraphModule, family: list[fx.Node]) -> str | None:
    operands = list(family[-1].args[0])
    if any(list(c.args[0]) != operands[: len(c.args[0])] or _mutated(c) for c in family):
        return None
    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    if any(order[a] >= order[b] for a, b in zip(operands, operands[1:])):
        return None
    sizes = [channels(gm, op) for op in operands]
    if None in sizes:
        return None
    offsets = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
    graph = gm.graph
    with graph.inserting_after(operands[0]):
        buf = graph.call_function(block_buffer, (operands[0], offsets[-1]))
    written = {}
    last = buf  # each write returns the buffer, so the writes form one chain in graph order
    for op, start in zip(operands, offsets):
        with graph.inserting_after(buf if op is operands[0] else op):
            written[op] = graph.call_function(write_slice, (last, op, start))
        last = written[op]
    for cat in family:
        k = len(cat.args[0])
        with graph.inserting_before(cat):
            view = graph.call_function(prefix, (written[operands[k - 1]], offsets[k]))
        view.meta.update(cat.meta)
        view.meta.pop("resgraph_op", None)  # a view of the shared buffer, not concat's fresh tensor
        cat.replace_all_uses_with(view)
        graph.erase_node(cat)
    name = family[-1].meta.get("resgraph_node", family[-1].name)
    return f"{name}: {len(family)} concats share one {offsets[-1]}-channel buffer"


def dense_buffer(gm: fx.GraphModule) -> list[str]:
    changes = [c for fam in _families(gm) if (c := _rewrite(gm, fam))]
    finish(gm)
    return changes
