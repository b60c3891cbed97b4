"""Analysis reads ops from the registry: costs, paths, memory and comparison of an op resgraph
does not ship (tests/tools/foreign_ops.py), memory checked against the compiled module."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from tests.tools.analysis.test_memory import _input, measured_inference_peak, measured_training_saved
from tests.tools.foreign_ops import SPEC, registered

import resgraph
from resgraph.backend.flatten import flatten
from resgraph.backend.fx import build_module
from resgraph.ir.ops import registry
from resgraph.tools.analysis import inference_peak, path_stats, summarize, training_saved
from resgraph.tools.analysis.compare import compare, measure
from resgraph.tools.analysis.tables import compare_table, path_table, summary_footer, summary_table

MAP = 8 * 16 * 16 * 4  # bytes of one [8, 16, 16] float map


@pytest.fixture
def foreign():
    with registered():
        yield
    assert not registry.is_op("prod_test")


@pytest.fixture
def gated(foreign):
    return resgraph.loads(SPEC)


def _text(renderable) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_summary_lists_the_products_operands_and_costs(gated):
    s = summarize(gated)
    rows = {r.name: r for r in s.rows}
    prod = rows["blocks.0.out"]
    assert (prod.op, prod.connected_to, prod.params, prod.macs) == ("prod_test", ["blocks.0.f", "blocks.0.g"], 0, 8 * 16 * 16)
    assert rows["blocks.0.tag_test"].op == "tag_test"
    folded = {r.name: r for r in summarize(gated, depth=2).rows}
    assert folded["blocks.1"].connected_to == ["blocks.0.out"]  # a block holding a merge names what it reads
    text = _text(summary_table(s)) + summary_footer(s)
    assert "prod_test" in text and "training, saved" in text


def test_paths_count_each_edge_kind(gated):
    p = path_stats(gated)
    assert p.edges == {"add": 2, "concat": 0, "mul": 0, "prod_test": 4}  # every registered kind
    assert (p.add_edges, p.concat_edges, p.prod_test_edges) == (2, 0, 4)
    assert p.merges == 3 and p.mean_fan_in == 2.0
    # each block: through its 3x3 conv or its gate's 1x1 conv (one weighted layer either way), or
    # around both blocks by the skip; then fc
    assert p.distribution == {1: 1, 3: 4}
    figures = p.figures()
    assert list(figures)[:5] == ["add_edges", "concat_edges", "mul_edges", "prod_test_edges", "mean_fan_in"]
    assert figures["prod_test_edges"] == 4
    text = _text(path_table(p))
    assert "gate (prod_test) edges" in text and "mean fan-in of add/concat/mul/prod_test" in text
    with pytest.raises(AttributeError):
        p.nosuch_edges  # noqa: B018  (no such kind is registered)


@pytest.mark.parametrize("batch", [1, 2])
def test_memory_of_the_foreign_ops_equals_measured(gated, batch):
    module = build_module(gated, seed=0)
    x = _input(gated, batch)
    assert inference_peak(gated, batch).bytes == measured_inference_peak(flatten(module), x)
    assert training_saved(gated, batch).bytes == measured_training_saved(module, x)


def test_memory_by_hand(gated):
    # each product saves both operands: f (the bn output, saved by nobody else) is charged to it,
    # g (the sigmoid output) to the sigmoid, which saves it first
    assert training_saved(gated, 1).by_op["prod_test"] == 2 * MAP
    # tag_test is a view: the relu's output is the only allocation besides the input
    chain = resgraph.loads('model v {\n input x[8, 16, 16]\n out = x -> tag_test("a") -> relu\n}\n')
    peak = inference_peak(chain, 1)
    assert (peak.bytes, peak.at) == (2 * MAP, "out")


def test_compare_counts_the_foreign_kind_and_keeps_the_conv_gradient_ratio(gated):
    row = measure(gated, gradients=True, grad_batch_size=4)
    assert row["prod_test_edges"] == 4 and row["add_edges"] == 2
    convs = [g["norm"] for g in row["gradients"] if g["name"] != "fc"]  # every weighted layer but fc is a conv
    assert len(convs) == 4 and len(row["gradients"]) == 5
    assert row["grad_first_last"] == pytest.approx(convs[0] / convs[-1])
    text = _text(compare_table(compare([gated])))
    assert "gate (prod_test) edges" in text and "skip (add) edges" in text
