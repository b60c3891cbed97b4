"""What every language construct must keep: `to_rg` loads back to the same graph, `fmt` is idempotent
and gives the same graph."""

import resgraph
from resgraph.syntax.fmt import format_text
from resgraph.syntax.unparse import structural_diff, to_rg


def assert_round_trips(text: str) -> resgraph.Graph:
    graph = resgraph.loads(text)
    printed = to_rg(graph)
    assert structural_diff(graph, resgraph.loads(printed)) == []
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    assert structural_diff(graph, resgraph.loads(formatted)) == []
    return graph
