"""Activation memory computed statically: the peak for one inference, what autograd keeps for training.

Both follow what the compiled module does as one graph (backend/flatten.py: the schedule -O1 runs;
at -O0 a block module's caller also holds the block's inputs until it returns, as in eager
PyTorch, so an inference peak inside a block can be higher there): every op allocates a fresh output
except the views (`OpDef.view`: identity, flatten, subsample; dropout in eval mode), whose output
shares its input's storage, so a storage lives until the last use of any of its views. What
autograd keeps is each op's `OpDef.saves`, from PyTorch's derivatives.yaml (tests check it against
saved_tensors_hooks on the compiled module). Parameters and batch-norm buffers are model state, not
activations, and are not counted. Sizes assume float32 (4 bytes per element).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...ir import Graph
from .cost import require_known_size

FLOAT_BYTES = 4
SAVED_KINDS = ("input", "output", "indices", "mask", "stats", "per_sample")  # what `OpDef.saves` may name

def _saves(graph: Graph, name: str) -> tuple[str, ...]:
    """What the node's op keeps for backward: "input" (every operand: a product keeps both),
    "output" (each float tensor is stored once however many ops save it), "indices" (int64 per output element), "mask" (a float per element:
    dropout on CPU; CUDA keeps one byte), "stats" (two floats per channel), "per_sample"
    (`OpDef.saved_per_sample` floats per sample: layer norm's statistics, drop path's mask)."""
    operands = [graph.type_of(u) for u in graph.inputs_of(name)]
    return graph.opdef(name).saves(graph.attrs(name), operands, graph.type_of(name))


def _roots(graph: Graph, views: tuple[str, ...]) -> dict[str, str]:
    """Each node → the node whose storage holds its value (`views`: the `OpDef.view` values that
    share storage in the mode counted)."""
    root: dict[str, str] = {}
    for name in graph.topo_order():
        root[name] = root[graph.inputs_of(name)[0]] if graph.opdef(name).view in views else name
    return root


def _bytes(graph: Graph, name: str, batch_size: int, per_element: int = FLOAT_BYTES) -> int:
    return graph.type_of(name).numel() * batch_size * per_element


@dataclass(frozen=True)
class InferencePeak:
    bytes: int
    at: str  # the node whose computation reaches the peak


def inference_peak(graph: Graph, batch_size: int = 1) -> InferencePeak:
    """Peak bytes of live tensors along the graph's topological schedule, freeing after last use.

    The input stays live throughout (the caller holds it); a tensor is allocated when its node
    runs and freed once every node reading it or any of its views has run.
    """
    require_known_size(graph)
    order = graph.topo_order()
    root = _roots(graph, ("always", "eval"))
    position = {n: i for i, n in enumerate(order)}
    last_use = {n: position[n] for n in order}
    for n in order:
        for u in graph.inputs_of(n):
            last_use[root[u]] = max(last_use[root[u]], position[n])
    keep = {root[n] for n in graph.inputs} | {root[graph.output]}
    frees: dict[int, list[str]] = {}
    for r in set(root.values()) - keep:
        frees.setdefault(last_use[r], []).append(r)
    live = peak = 0
    at = order[0]
    for i, n in enumerate(order):
        if root[n] == n:
            live += _bytes(graph, n, batch_size)
        if live > peak:
            peak, at = live, n
        live -= sum(_bytes(graph, r, batch_size) for r in frees.get(i, ()))
    return InferencePeak(peak, at)


@dataclass(frozen=True)
class TrainingSaved:
    bytes: int
    by_op: dict[str, int]  # bytes attributed to the op that first saves each tensor


def training_saved(graph: Graph, batch_size: int = 1) -> TrainingSaved:
    """Bytes autograd keeps between forward and backward in training mode.

    A tensor saved by several ops (relu saves its output, the next conv saves it as input) is
    stored once; a view keeps its whole base storage alive.
    """
    require_known_size(graph)
    root = _roots(graph, ("always",))
    seen: set[str] = set()
    by_op: dict[str, int] = {}
    for n in graph.topo_order():
        op = graph.op(n)
        size = 0
        for what in _saves(graph, n):
            if what in ("input", "output"):
                for r in {root[u] for u in (graph.inputs_of(n) if what == "input" else [n])}:
                    if r not in seen:
                        seen.add(r)
                        size += _bytes(graph, r, batch_size)
            elif what == "indices":
                size += _bytes(graph, n, batch_size, 8)
            elif what == "mask":
                size += _bytes(graph, n, batch_size)
            elif what == "stats":
                size += 2 * graph.type_of(n).channels * FLOAT_BYTES
            elif what == "per_sample":
                operands = [graph.type_of(u) for u in graph.inputs_of(n)]
                floats = graph.opdef(n).saved_per_sample(graph.attrs(n), operands, graph.type_of(n))
                size += floats * batch_size * FLOAT_BYTES
            else:
                raise ValueError(f"op {op} saves {what!r}, which is not one of {SAVED_KINDS}")
        if size:
            by_op[op] = by_op.get(op, 0) + size
    return TrainingSaved(sum(by_op.values()), dict(sorted(by_op.items())))
