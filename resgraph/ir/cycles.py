"""Cycle detection with the cycle's path in the message."""

from __future__ import annotations

import networkx as nx

from ..errors import CycleError, Diagnostic


def cycle_error(graph, cycle: list[str]) -> CycleError:
    path = " -> ".join([*cycle, cycle[0]])
    notes = [Diagnostic("note", f"'{n}' is defined here", graph.span(n)) for n in cycle[1:]]
    return CycleError(
        diagnostics=[
            Diagnostic(
                "error",
                f"the graph has a cycle: {path}",
                graph.span(cycle[0]),
                "a layer cannot depend on its own output; break the loop",
                notes,
                CycleError,
            )
        ]
    )


def find_cycle(graph) -> list[str] | None:
    try:
        return [u for u, _ in nx.find_cycle(graph.nx)]
    except nx.NetworkXNoCycle:
        return None
