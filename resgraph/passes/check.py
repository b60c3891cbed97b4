"""The static checks that turn a built graph into a checked one, reporting every independent error."""

from __future__ import annotations

import networkx as nx

from ..errors import Diagnostics, GraphError, ResgraphError, TypeError_
from ..ir.graph import FAILED
from .cycles import cycle_error, find_cycle


def check_arity(graph, diags: Diagnostics) -> set[str]:
    """Report nodes with a wrong number of inputs; return them so that inference skips them."""
    bad = set()
    for name in graph:
        opdef = graph.opdef(name)
        n = graph.nx.in_degree(name)
        if n < opdef.min_inputs or (opdef.max_inputs is not None and n > opdef.max_inputs):
            want = (
                f"at least {opdef.min_inputs}"
                if opdef.max_inputs is None
                else f"{opdef.min_inputs}" if opdef.min_inputs == opdef.max_inputs
                else f"{opdef.min_inputs} to {opdef.max_inputs}"
            )
            diags.error(TypeError_, f"{opdef.name} takes {want} input(s), got {n}", graph.span(name))
            bad.add(name)
    return bad


def infer_all(graph, diags: Diagnostics, skip: set[str] = frozenset()) -> None:
    """Infer every node's type in topological order; each failure is reported once, at its cause.

    Nodes in `skip` (wrong arity: their shape rule would not apply) are marked failed instead.
    """
    for name in skip:
        graph.node(name)["type"] = FAILED
    for name in graph.topo_order():
        try:
            graph.infer(name)
        except ResgraphError as exc:
            diags.add(exc)


def check_output(graph, diags: Diagnostics) -> None:
    if not graph.inputs:
        diags.error(GraphError, f"model '{graph.name}' has no input", hint="declare one: input x[3, 224, 224]")
    if graph.output is None:
        diags.error(GraphError, f"model '{graph.name}' has no output", hint="bind the result to out: out = ... ")


def check_unused(graph, diags: Diagnostics) -> None:
    """Warn about dead ends: layers (other than the output) whose value nothing uses."""
    for name in graph:
        if name != graph.output and graph.nx.out_degree(name) == 0:
            diags.warning(f"'{name}' is computed but never used", graph.span(name),
                          hint="connect it to the output or delete it")


def check(graph) -> None:
    """Run every check; raise one ResgraphError holding all errors; store warnings on the graph."""
    diags = Diagnostics()
    check_output(graph, diags)
    bad = check_arity(graph, diags)
    cycle = None if nx.is_directed_acyclic_graph(graph.nx) else find_cycle(graph)  # the fast test first
    if cycle:
        diags.add(cycle_error(graph, cycle))
    else:
        infer_all(graph, diags, bad)
        if graph.output is not None:
            check_unused(graph, diags)
    graph.warnings = diags.warnings
    diags.raise_if_errors()


__all__ = ["check", "check_arity", "check_output", "check_unused", "infer_all"]
