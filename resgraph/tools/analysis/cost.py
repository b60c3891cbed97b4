"""Per-layer cost read from the op registry: parameters, multiply-accumulates, output size.

The registry's `params` and `macs` are the single source of truth; this module only gathers them.
MACs are split into conv + linear (`OpDef.weighted`, what torchvision, fvcore and thop publish)
and the rest (batch norm, add, pooling), so published figures can be checked without hiding
what the other ops cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import UsageError
from ...ir import Graph, TensorType


@dataclass(frozen=True)
class LayerCost:
    """One IR node's cost for one sample."""

    name: str
    op: str
    type: TensorType
    params: int
    macs: int | None  # None where the spatial size is unknown
    weighted: bool
    inputs: tuple[str, ...]

    @property
    def activations(self) -> int | None:
        """Elements of the output tensor."""
        return self.type.numel()


def layer_costs(graph: Graph) -> list[LayerCost]:
    """Every node of a checked graph, in the graph's deterministic topological order."""
    costs = []
    for name in graph.topo_order():
        t = graph.type_of(name)
        if t is None:
            raise UsageError(f"'{name}' has no inferred type: check the graph first")
        opdef, cost = graph.opdef(name), graph.cost(name)
        costs.append(LayerCost(name=name, op=opdef.name, type=t, params=cost.params, macs=cost.macs,
                               weighted=opdef.weighted, inputs=tuple(graph.inputs_of(name))))
    return costs


@dataclass(frozen=True)
class CostTotals:
    params: int
    weighted_macs: int | None  # conv + linear
    other_macs: int | None
    activations: int | None  # elements of every node's output, summed

    @property
    def macs(self) -> int | None:
        if self.weighted_macs is None or self.other_macs is None:
            return None
        return self.weighted_macs + self.other_macs


def _sum(values) -> int | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


def cost_totals(costs: list[LayerCost]) -> CostTotals:
    return CostTotals(
        params=sum(c.params for c in costs),
        weighted_macs=_sum(c.macs for c in costs if c.weighted),
        other_macs=_sum(c.macs for c in costs if not c.weighted),
        activations=_sum(c.activations for c in costs if c.inputs),  # the inputs are the caller's
    )


def require_known_size(graph: Graph) -> None:
    """MACs and memory need spatial sizes: say how to give one when the spec leaves it open."""
    for name in graph.inputs:
        t = graph.type_of(name)
        if t is not None and not t.known:
            raise UsageError(
                f"the input '{name}' has an unknown spatial size {t}: MACs and memory need one",
                hint="pass --input-shape C,H,W (or input_shape=(C, H, W) to resgraph.load)",
            )
