"""Connectivity and gradient paths, counted exactly by dynamic programming over the DAG.

Veit et al. (2016) read a residual network as an ensemble of paths of different lengths. The number
of input→output paths grows exponentially with depth, so they are never enumerated: each node holds
the count of paths reaching it per length (a polynomial in the number of weighted layers crossed),
summed over its operands and shifted by one at every conv/linear. Python ints keep counts exact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from ...errors import GraphError
from ...ir import Graph
from ...ir.ops import registry


@dataclass(frozen=True)
class PathStats:
    edges: dict[str, int]  # merge edge kind → edges of that kind, for every registered kind ("add": 16)
    merges: int  # nodes whose edges are not "seq" (add, concat, ...)
    mean_fan_in: float  # operands per merge node (0 without merges)
    weighted_layers: int
    distribution: dict[int, int]  # length in weighted layers → number of input→output paths
    depth: dict[str, int]  # weighted layer → weighted layers on the longest input path to it, itself included
    to_output: dict[str, int]  # weighted layer → fewest weighted layers between it and the output

    def __getattr__(self, name: str) -> int:
        """`add_edges`, `concat_edges`, ...: the count of one edge kind, by the name figures() gives it."""
        edges = self.__dict__.get("edges", {})
        if name.endswith("_edges") and name[: -len("_edges")] in edges:
            return edges[name[: -len("_edges")]]
        raise AttributeError(f"'PathStats' object has no attribute '{name}'")

    @property
    def paths(self) -> int:
        return sum(self.distribution.values())

    @property
    def longest(self) -> int:
        return max(self.distribution)

    @property
    def shortest(self) -> int:
        return min(self.distribution)

    @property
    def mean_length(self) -> float:
        return float(Fraction(sum(k * c for k, c in self.distribution.items()), self.paths))

    @property
    def mode_length(self) -> int:
        return max(self.distribution, key=lambda k: (self.distribution[k], -k))

    @property
    def max_to_output(self) -> int:
        """The farthest any weighted layer is from the loss along its shortest route."""
        return max(self.to_output.values(), default=0)

    def figures(self) -> dict[str, int | float]:
        """The whole-graph numbers by name (what `analyze --json` and `compare` report)."""
        names = ("mean_fan_in", "weighted_layers", "longest", "shortest", "paths", "mean_length",
                 "mode_length", "max_to_output")
        return {**{f"{kind}_edges": n for kind, n in self.edges.items()}, **{name: getattr(self, name) for name in names}}


def edge_labels() -> dict[str, str]:
    """The label of each merge edge kind's count, from the style its op declares: "skip (add) edges"."""
    return {kind: f"{s.legend} edges" for kind, s in registry.edge_styles().items() if kind != "seq"}


def fan_in_label() -> str:
    return "mean fan-in of " + "/".join(edge_labels())


def _count_by_length(graph: Graph, order: list[str]) -> list[int]:
    """Coefficients c[k] = number of input→output paths crossing k weighted layers."""
    poly: dict[str, list[int]] = {}
    inputs = set(graph.inputs)
    for n in order:
        if n in inputs:
            acc = [1]
        else:
            acc = []
            for u in graph.inputs_of(n):
                p = poly[u]
                if len(p) > len(acc):
                    acc.extend([0] * (len(p) - len(acc)))
                for k, c in enumerate(p):
                    acc[k] += c
        poly[n] = [0, *acc] if graph.opdef(n).weighted else acc
    return poly[graph.output]


def path_stats(graph: Graph) -> PathStats:
    if graph.output is None:
        raise GraphError(f"model '{graph.name}' has no output")
    order = graph.topo_order()
    weighted = [n for n in order if graph.opdef(n).weighted]
    coeffs = _count_by_length(graph, order)
    distribution = {k: c for k, c in enumerate(coeffs) if c}
    if not distribution:
        raise GraphError(f"no path leads from the input to the output '{graph.output}'")

    longest: dict[str, int] = {}
    for n in order:
        w = int(graph.opdef(n).weighted)
        longest[n] = w + max((longest[u] for u in graph.inputs_of(n)), default=0)

    crosses: dict[str, float] = {}  # weighted layers strictly between a node and the output
    for n in reversed(order):
        if n == graph.output:
            crosses[n] = 0
        else:
            crosses[n] = min(
                (crosses[s] + int(graph.opdef(s).weighted) for s in graph.users_of(n)),
                default=float("inf"),  # a dead end: no gradient reaches it
            )

    kinds = Counter(kind for _, _, kind, _ in graph.edges())
    merges = [n for n in order if graph.opdef(n).edge != "seq"]
    fan_in = sum(graph.nx.in_degree(n) for n in merges)
    return PathStats(
        edges={kind: kinds[kind] for kind in registry.edge_styles() if kind != "seq"},
        merges=len(merges),
        mean_fan_in=fan_in / len(merges) if merges else 0.0,
        weighted_layers=len(weighted),
        distribution=distribution,
        depth={n: longest[n] for n in weighted},
        to_output={n: crosses[n] for n in weighted if crosses[n] != float("inf")},
    )
