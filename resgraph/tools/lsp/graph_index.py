"""From a place in the text to what it made in a graph: layers, block instances, groups, repetitions.

Every IR node keeps the span of the call that made it and every `Scope` the span of the call,
group or repetition; one span can make many things (a layer in a block instantiated 16 times, a
block repeated `* 3`). An `Instance` is one of them with its output shapes, parameters and MACs,
read from the op registry through `Graph.cost`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from ...errors import Span
from ...ir import Graph, Scope, TensorType

SpanKey = tuple[str, int, int, int | None, int | None]


def span_key(span: Span | None) -> SpanKey | None:
    """A span as a key that survives re-parsing unchanged text (Sources are compared by path)."""
    if span is None or span.source is None or span.line <= 0:
        return None
    return (span.source.path, span.line, span.col, span.end_line, span.end_col)


@dataclass(frozen=True)
class Instance:
    """One layer (`scope` None) or one block instance, group or repetition of a graph."""

    graph: Graph
    path: str
    scope: Scope | None
    outputs: tuple[str, ...]  # the nodes whose values leave it
    params: int
    macs: int | None  # None where a size is unknown or a layer has no type

    @property
    def types(self) -> list[TensorType | None]:
        return [self.graph.type_of(n) for n in self.outputs]


class GraphIndex:
    """Lookups over one graph, built once per elaboration result."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.nodes_at: dict[SpanKey, list[str]] = defaultdict(list)
        for name, data in graph.nx.nodes(data=True):
            key = span_key(data["span"])
            if key is not None:
                self.nodes_at[key].append(name)
        self.scopes_at: dict[SpanKey, list[str]] = defaultdict(list)
        for path, scope in graph.scopes.items():
            key = span_key(scope.span)
            if key is not None:
                self.scopes_at[key].append(path)

    @cached_property
    def members(self) -> dict[str, list[str]]:
        """Scope path → the nodes inside it, in graph order."""
        scopes = self.graph.scopes
        found: dict[str, list[str]] = defaultdict(list)
        for name in self.graph:
            parts = name.split(".")
            for i in range(1, len(parts)):
                prefix = ".".join(parts[:i])
                if prefix in scopes:
                    found[prefix].append(name)
        return found

    @cached_property
    def costs(self) -> dict[str, tuple[int, int | None]]:
        """Node → (parameters, MACs); a node without a type costs (0, None)."""
        g = self.graph
        return {n: tuple(g.cost(n)) if g.type_of(n) is not None else (0, None) for n in g}

    def instances(self, span: Span | None) -> list[Instance]:
        """What the text at `span` made: scopes (instances, groups, repetitions) first, then layers.
        A scope that holds another thing made at the same span is left out: a dotted label
        (`stem.conv: conv(...)`) makes its parents (`stem`) there too."""
        key = span_key(span)
        if key is None:
            return []
        scopes, nodes = self.scopes_at.get(key, []), self.nodes_at.get(key, [])
        made = [*scopes, *nodes]
        inner = [p for p in scopes if not any(m.startswith(p + ".") for m in made)]
        return [*map(self.scope_instance, inner), *map(self.node_instance, nodes)]

    def node_instance(self, name: str) -> Instance:
        params, macs = self.costs[name]
        return Instance(self.graph, name, None, (name,), params, macs)

    def scope_instance(self, path: str) -> Instance:
        members = self.members.get(path, [])
        params = sum(self.costs[n][0] for n in members)
        macs = [self.costs[n][1] for n in members]
        total = None if any(m is None for m in macs) else sum(macs)
        return Instance(self.graph, path, self.graph.scopes[path], self.exits(members), params, total)

    def exits(self, members: list[str]) -> tuple[str, ...]:
        """The members whose value is used outside (or is the output); else those nothing uses."""
        inside, g = set(members), self.graph
        out = [n for n in members if n == g.output or any(u not in inside for u in g.nx.successors(n))]
        return tuple(out or [n for n in members if g.nx.out_degree(n) == 0] or members[-1:])

    def entries(self, path: str) -> list[str]:
        """The values from outside a scope that its members read (a block instance's inputs)."""
        members = self.members.get(path, [])
        inside, g, seen = set(members), self.graph, []
        for n in members:
            for u in g.inputs_of(n):
                if u not in inside and u not in seen:
                    seen.append(u)
        return seen

    def health(self, path: str, span: Span) -> tuple[bool, bool, bool]:
        """How whole a scope is, for finding the instance an error at `span` (in its block) came
        from, which sorts first: whether it holds a typed layer made at `span` (an instance that
        failed there lacks one), whether all its layers have types, whether its value is used."""
        members, g = self.members.get(path, []), self.graph
        key, inside = span_key(span), set(members)
        built = any(key == span_key(g.span(n)) and g.type_of(n) is not None for n in members)
        typed = bool(members) and all(g.type_of(n) is not None for n in members)
        used = any(n == g.output or any(u not in inside for u in g.nx.successors(n)) for n in members)
        return built, typed, used

    def block_instances(self, block: str) -> list[str]:
        """The scope paths of every instance of block `block`."""
        return [p for p, s in self.graph.scopes.items() if s.kind == "block" and s.block == block]
