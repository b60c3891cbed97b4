"""Which scopes of a Graph become callable submodules, and what each one reads, runs and gives.

A block instance, group or repetition (`Graph.scopes`) is worth a module of its own: forward hooks
fire on it, `m.layer3[0]` is a block, and tools that cut a model at module boundaries
(torchvision's feature extraction) cut where the spec does. A scope can be one call only if its
nodes form a convex region of the DAG: no path leaves it and comes back, or the call would need a
value it computes itself. Such a scope is a `Region`; a scope that is not stays inlined in the
region around it (its convex sub-scopes are still regions, called at their full relative path).
Regions contracted to one node each must also leave their parent's graph acyclic, which convexity
alone does not promise for two siblings that feed each other; the later of such a pair is inlined.

This module reads the IR only; `backend/fx.py` emits one fx graph per region from the plan.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import networkx as nx

from ..ir import Graph
from ..ir.naming import GRAPH_MODULE_ATTRIBUTES


@dataclass
class Region:
    """The root (path "") or a convex scope: its items run in `items` order, each an IR node name
    or a child Region; `inputs` are the values it reads from outside and `outputs` the values
    read outside it (or the model's output), both in the graph's topological order."""

    path: str
    items: list[str | Region] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    def relative(self, path: str) -> str:
        """`path` seen from inside this region: `layer1.0.conv1` in `layer1.0` is `conv1`."""
        return path[len(self.path) + 1:] if self.path else path


def plan(graph: Graph, live: set[str]) -> Region:
    """The region tree of a checked graph's `live` nodes (those that feed the output)."""
    order = {n: i for i, n in enumerate(graph.topo_order()) if n in live}
    members = _scope_members(graph, order)
    convex = {p for p, nodes in members.items() if _convex(graph, nodes, order) and _nameable(p, nodes)}
    while True:
        root, cyclic = _build(graph, order, members, convex)
        if cyclic is None:
            return root
        convex.discard(cyclic)


def _scope_members(graph: Graph, order: dict[str, int]) -> dict[str, set[str]]:
    """Every scope with live nodes → its live nodes (sub-scopes' included). Inputs stay at the root:
    they are the module's placeholders."""
    members: dict[str, set[str]] = {}
    for name in order:
        if graph.op(name) == "input":
            continue
        parts = name.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            if prefix in graph.scopes:
                members.setdefault(prefix, set()).add(name)
    return members


def _convex(graph: Graph, nodes: set[str], order: dict[str, int]) -> bool:
    """No path from `nodes` through an outside node back into `nodes`. Only outside nodes computed
    before the region's last node can lead back, so the search stops at that rank."""
    last = max(order[n] for n in nodes)
    frontier = [v for u in nodes for v in graph.nx.successors(u) if v not in nodes and order.get(v, last) < last]
    seen = set(frontier)
    while frontier:
        for v in graph.nx.successors(frontier.pop()):
            if v in nodes:
                return False
            if v not in seen and order.get(v, last) < last:
                seen.add(v)
                frontier.append(v)
    return True


def _nameable(path: str, nodes: set[str]) -> bool:
    """Whether every child of the scope can be an attribute of a GraphModule: a layer named `graph`
    or `code` is fine on a plain namespace but would shadow the block module's own attribute."""
    cut = len(path) + 1
    return not any(n[cut:].split(".")[0] in GRAPH_MODULE_ATTRIBUTES for n in nodes)


def _build(graph: Graph, order: dict[str, int], members: dict[str, set[str]],
           convex: set[str]) -> tuple[Region, str | None]:
    """The region tree for the chosen scopes, or a scope to inline because contracting it with a
    sibling makes its parent's graph cyclic."""
    regions = {p: Region(p) for p in sorted(convex)}
    root = Region("")
    owner: dict[str, Region] = {}  # IR node → the innermost region holding it
    for name in order:
        owner[name] = _innermost(name, regions) or root
    parent: dict[str, Region] = {p: _innermost(p, regions) or root for p in regions}
    for region in regions.values():
        nodes = members[region.path]
        region.inputs = sorted({u for n in nodes for u in graph.nx.predecessors(n) if u not in nodes}, key=order.get)
        region.outputs = sorted(
            (n for n in nodes if n == graph.output or any(v in order and v not in nodes for v in graph.nx.successors(n))),
            key=order.get)
    children: dict[str, list[Region]] = {}
    for p, region in regions.items():
        children.setdefault(parent[p].path, []).append(region)
    for region in [root, *regions.values()]:
        nodes = members[region.path] if region.path else order
        cyclic = _order_items(graph, order, region, nodes, owner, children.get(region.path, []), parent, regions)
        if cyclic is not None:
            return root, cyclic
    return root, None


def _innermost(path: str, regions: dict[str, Region]) -> Region | None:
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        found = regions.get(".".join(parts[:i]))
        if found is not None:
            return found
    return None


def _order_items(graph: Graph, order: dict[str, int], region: Region, nodes: Collection[str], owner: dict[str, Region],
                 kids: list[Region], parent: dict[str, Region], regions: dict[str, Region]) -> str | None:
    """Fill `region.items`: its own nodes and its child regions contracted to one item each, in a
    topological order that follows the graph's (an item ranks as its first node)."""
    def item_of(name: str) -> str:
        """The item of `region` that computes IR node `name`: itself or a child region's path."""
        r = owner[name]
        if r is region:
            return name
        while parent[r.path] is not region:
            r = parent[r.path]
        return r.path

    quotient = nx.DiGraph()
    rank: dict[str, int] = {}
    for name in sorted(nodes, key=order.__getitem__):  # in order, so that any cycle found is always the same
        item = item_of(name)
        rank[item] = min(rank.get(item, order[name]), order[name])
        quotient.add_node(item)
        for v in graph.nx.successors(name):
            if v in nodes and item_of(v) != item:
                quotient.add_edge(item, item_of(v))
    try:
        ordered = list(nx.lexicographical_topological_sort(quotient, key=rank.__getitem__))
    except nx.NetworkXUnfeasible:
        cycle = {u for edge in nx.find_cycle(quotient) for u in edge[:2]}
        return max((k.path for k in kids if k.path in cycle), key=lambda p: (rank[p], p))
    region.items = [regions[i] if i in regions and i not in owner else i for i in ordered]
    return None


__all__ = ["Region", "plan"]
