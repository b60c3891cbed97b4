"""The IR every stage shares: a NetworkX DiGraph of layers with typed node and edge data.

Nodes are keyed by their hierarchical name (``layer1.0.conv1``) and carry

    op     the registry name of the op ("conv", "add", ...)
    attrs  the op's validated pydantic attributes
    span   where the node was written (a .rg file, or the Python line for builder graphs)
    type   the inferred TensorType (None before inference or where inference failed)
    operand_names  (optional) the operands as the user wrote them, for messages

Edges carry ``kind`` ("seq", "add" or "concat": how the target combines its inputs) and ``index``
(the operand position). A dense layer's concat has one edge from every earlier feature map.
Block instances and groups are namespaces over node names, recorded in ``Graph.scopes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx

from ..errors import UNKNOWN_SPAN, Diagnostic, GraphError, ShapeError, Source, Span
from . import ops
from .cycles import cycle_error
from .ops.base import Attrs, ShapeMismatch
from .types import TensorType


@dataclass
class Scope:
    """A named namespace of nodes: a block instance, a group ``[...]`` or a repetition ``* n``."""

    path: str
    kind: str  # "block" | "group" | "repeat"
    block: str | None = None  # the block's name for kind "block"
    args: dict[str, Any] = field(default_factory=dict)
    span: Span = UNKNOWN_SPAN


class NodeCost(NamedTuple):
    """One node's cost for one sample, by its op's registry rules."""

    params: int  # trainable parameters
    macs: int | None  # multiply-accumulates; None where a spatial size is unknown


class _Failed:
    """Marks a node whose type could not be inferred (the error is reported once, at its cause)."""

    def __repr__(self) -> str:
        return "<failed>"


FAILED = _Failed()


class Graph:
    """A model as a checked DAG of layers. ``Graph.nx`` is the underlying ``networkx.DiGraph``."""

    def __init__(self, name: str = "model") -> None:
        self.nx = nx.DiGraph()
        self.name = name
        self.params: dict[str, Any] = {}  # model parameter values used to build this graph
        self.options: dict[str, Any] = {}  # model options, e.g. init scheme
        self.doc: str | None = None
        self.source: Source | None = None  # the file the model is defined in
        self.sources: list[Source] = []  # every file the model was built from (imports included)
        self.scopes: dict[str, Scope] = {}
        self.inputs: list[str] = []
        self.output: str | None = None
        self.warnings: list = []  # Diagnostics of severity "warning"
        # Set by the .rg front end (a syntax.loader.Provenance): the AST the graph was built from, so
        # that to_rg writes its blocks and loops again. Opaque here: its parts are syntax, a floor up.
        self.provenance: Any = None

    # -- building ---------------------------------------------------------------------------
    def add_node(
        self,
        name: str,
        op: str,
        attrs: Attrs | None = None,
        inputs: list[str] = (),  # type: ignore[assignment]
        span: Span = UNKNOWN_SPAN,
    ) -> str:
        """Add a node (its op looked up in the registry) and its in-edges in operand order."""
        if name in self.nx:
            raise GraphError(f"duplicate node name '{name}'", span)
        opdef = ops.get(op, span)
        if attrs is None:
            attrs = opdef.bind([], {}, span)
        self.nx.add_node(name, op=opdef.name, attrs=attrs, span=span, type=None)
        if opdef.name == "input":
            self.inputs.append(name)
        for i, src in enumerate(inputs):
            self.connect(src, name, i)
        return name

    def connect(self, src: str, dst: str, index: int) -> None:
        if self.nx.has_edge(src, dst):
            raise GraphError(
                f"'{src}' is used twice as an operand of '{dst}'",
                self.nx.nodes[dst]["span"],
                hint="an operand may appear once per merge; pass it through identity for a second copy",
            )
        kind = ops.get(self.nx.nodes[dst]["op"]).edge
        self.nx.add_edge(src, dst, kind=kind, index=index)

    def connect_all(self, srcs: list[str], dst: str) -> None:
        """Connect `srcs` to `dst` as operands 0, 1, ... in one batch (dense concats have thousands)."""
        if len(set(srcs)) != len(srcs) or self.nx.in_degree(dst):
            for i, src in enumerate(srcs):
                self.connect(src, dst, i)  # one by one, so a repeated operand is reported
            return
        kind = ops.get(self.nx.nodes[dst]["op"]).edge
        self.nx.add_edges_from((u, dst, {"kind": kind, "index": i}) for i, u in enumerate(srcs))

    def set_output(self, name: str) -> None:
        self.output = name

    # -- reading ----------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self.nx

    def __len__(self) -> int:
        return self.nx.number_of_nodes()

    def __iter__(self) -> Iterator[str]:
        return iter(self.nx.nodes)

    def node(self, name: str) -> dict[str, Any]:
        return self.nx.nodes[name]

    def op(self, name: str) -> str:
        return self.nx.nodes[name]["op"]

    def opdef(self, name: str) -> ops.OpDef:
        return ops.get(self.nx.nodes[name]["op"])

    def attrs(self, name: str) -> Attrs:
        return self.nx.nodes[name]["attrs"]

    def span(self, name: str) -> Span:
        return self.nx.nodes[name]["span"]

    def inputs_of(self, name: str) -> list[str]:
        """Operands of a node in position order."""
        pred = self.nx._pred[name]
        return sorted(pred, key=lambda u: pred[u]["index"])

    def users_of(self, name: str) -> list[str]:
        return list(self.nx.successors(name))

    def edges(self) -> list[tuple[str, str, str, int]]:
        """(source, target, kind, index) for every edge, in insertion order."""
        return [(u, v, d["kind"], d["index"]) for u, v, d in self.nx.edges(data=True)]

    def topo_order(self) -> list[str]:
        """Deterministic topological order: among ready nodes, the one added first goes first."""
        rank = {n: i for i, n in enumerate(self.nx.nodes)}
        return list(nx.lexicographical_topological_sort(self.nx, key=rank.__getitem__))

    def type_of(self, name: str) -> TensorType | None:
        t = self.nx.nodes[name]["type"]
        return None if t is None or t is FAILED else t

    def cost(self, name: str) -> NodeCost:
        """A typed node's parameters and MACs: the one place the registry's cost rules are applied."""
        t, opdef, attrs = self.type_of(name), self.opdef(name), self.attrs(name)
        operands = [self.type_of(u) for u in self.inputs_of(name)]
        return NodeCost(opdef.params(attrs, operands, t), opdef.macs(attrs, operands, t))

    def param_count(self, name: str | None = None) -> int:
        """Trainable parameters of one node, or of the whole graph; 0 for a node without a type."""
        if name is None:
            return sum(self.param_count(n) for n in self.nx.nodes)
        return 0 if self.type_of(name) is None else self.cost(name).params

    # -- inference --------------------------------------------------------------------------
    def infer(self, name: str) -> TensorType | None:
        """Infer the type of `name` and, on demand, of everything it depends on.

        Iterative so that deep graphs do not hit the recursion limit. Raises ShapeError at the
        first node whose rule fails; that node is marked failed so the error is not repeated.
        Returns None when an operand already failed (the cause was reported before).
        """
        nodes = self.nx.nodes
        if nodes[name]["type"] is not None:
            return self.type_of(name)
        # Depth-first; a node is "open" from its first visit until it is inferred. An operand that
        # is open (not merely queued further down the stack) lies on the current path: a cycle.
        stack, opened = [name], set()
        while stack:
            n = stack[-1]
            if nodes[n]["type"] is not None:
                stack.pop()
                continue
            if n not in opened:
                opened.add(n)
                pending = [u for u in self.nx._pred[n] if nodes[u]["type"] is None]
                for u in pending:
                    if u in opened:
                        raise cycle_error(self, self._cycle_through(u))
                stack.extend(pending)
                continue
            stack.pop()
            self._infer_one(n)
        return self.type_of(name)

    def _infer_one(self, n: str) -> None:
        data = self.nx.nodes[n]
        operands = self.inputs_of(n)
        types = [self.nx.nodes[u]["type"] for u in operands]
        if any(t is FAILED for t in types):
            data["type"] = FAILED
            return
        opdef = ops.get(data["op"])
        try:
            names = data.get("operand_names") or operands  # the names the user wrote, if known
            data["type"] = opdef.infer(data["attrs"], types, list(names))
        except ShapeMismatch as exc:
            data["type"] = FAILED
            error = ShapeError(exc.message, data["span"], hint=exc.hint)
            error.diagnostics[0].notes.extend(self._instance_note(n))
            raise error from None

    def _instance_note(self, n: str) -> list[Diagnostic]:
        """Where the innermost block instance holding `n` is made: an error in a block's body is
        often fixed at the call (a decoder given the skip of the wrong level)."""
        parts = n.split(".")
        for i in range(len(parts) - 1, 0, -1):
            scope = self.scopes.get(".".join(parts[:i]))
            if scope is not None and scope.kind == "block" and scope.span.line > 0:
                return [Diagnostic("note", f"in {scope.path}, an instance of block '{scope.block}'", scope.span)]
        return []

    def _cycle_through(self, start: str) -> list[str]:
        return [u for u, _ in nx.find_cycle(self.nx, start)]

    def reset_types(self) -> None:
        for _, data in self.nx.nodes(data=True):
            data["type"] = None

    def _repr_svg_(self) -> str | None:
        """Jupyter rich display: the picture as SVG, or None where nothing can draw it.

        Drawing is a tool four floors up, which the IR must not import; `tools.viz` registers its
        drawer with `register_svg_drawer` when it is imported, and `import resgraph` imports it.
        """
        return None if _svg_drawer is None else _svg_drawer(self)

    def __repr__(self) -> str:
        return f"<resgraph.Graph {self.name}: {len(self)} nodes, {self.nx.number_of_edges()} edges>"


_svg_drawer: Callable[[Graph], str | None] | None = None


def register_svg_drawer(draw: Callable[[Graph], str | None]) -> None:
    """Let a higher floor draw graphs for notebooks (`Graph._repr_svg_`) without the IR importing it."""
    global _svg_drawer
    _svg_drawer = draw
