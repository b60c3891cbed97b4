"""Random valid graphs from every registered op (tests/ir/random_graphs.py): the printed text loads
back to the same graph, -O1 (with and without oneDNN) computes what -O0 computes, and the standalone
file does too. The fast profile runs here; `pytest -m slow` and benchmarks/random_graphs.py run more."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .random_graphs import compiled, ops_with_examples, random_graph, reload_text, same_as_O0, standalone_outputs

graphs = st.randoms(use_true_random=False).map(random_graph)
FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def check(made) -> None:
    reload_text(made.graph)
    module, x = compiled(made.graph)
    same_as_O0(made.graph, module, x)


@FAST
@given(graphs)
def test_random_graphs_check_print_and_optimize_alike(made):
    check(made)


@pytest.mark.slow
@settings(FAST, max_examples=2000)
@given(graphs)
def test_random_graphs_long_profile(made):
    check(made)


def test_random_graphs_cover_every_op_and_edge_kind():
    """The generator reaches every op that has examples, and every edge kind some op owns."""
    seen, kinds = set(), set()
    for seed in range(150):
        made = random_graph(random.Random(seed))
        seen |= set(made.ops)
        kinds |= {kind for _, _, kind, _ in made.graph.edges()}
    assert seen == {op.name for op in ops_with_examples()}
    assert kinds == {"seq"} | {op.edge for op in ops_with_examples()}


def test_random_graphs_run_as_standalone_code(tmp_path):
    """A fixed set of graphs as standalone files, all in one subprocess without resgraph."""
    cases, expected = {}, {}
    for seed in range(8):
        made = random_graph(random.Random(1000 + seed))
        module, x = compiled(made.graph)
        cases[str(seed)] = (module, x)
        with torch.no_grad():
            expected[str(seed)] = module(x)
    for name, got in standalone_outputs(cases, tmp_path).items():
        torch.testing.assert_close(got, expected[name], msg=lambda m, n=name: f"graph {n}: {m}")
