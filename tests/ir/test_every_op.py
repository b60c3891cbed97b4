"""Every registered op, through every stage: its examples (OpDef.examples) as tiny models that
load, print and load back, format, draw, analyze, compile at -O0 and -O1 to the same outputs, and
run as standalone code without resgraph. Driven by the registry: a new op is covered by its examples."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.ir import ops
from resgraph.ir.ops import table
from resgraph.ir.ops.registry import edge_styles
from resgraph.syntax.fmt import format_text
from resgraph.syntax.unparse import structural_diff
from resgraph.tools import analysis, viz

from .random_graphs import compiled, example_spec, ops_with_examples, same_as_O0, standalone_outputs

OPS = ops_with_examples()


def test_every_op_but_input_has_examples():
    missing = [op.name for op in OPS if not op.examples]
    assert not missing, f"ops without examples (OpDef.examples): {missing}"
    assert {op.name for op in ops.all_ops()} - {op.name for op in OPS} == {"input"}


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    """Every example's -O0 module run as standalone code, all in one subprocess (it imports torch)."""
    cases = {}
    for op in OPS:
        for example in op.examples:
            cases[example] = compiled(resgraph.loads(example_spec(example)))
    return {k: (cases[k], v) for k, v in standalone_outputs(cases, tmp_path_factory.mktemp("every_op")).items()}


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_op_through_every_stage(op, standalone):
    for example in op.examples:
        spec = example_spec(example)
        graph = resgraph.loads(spec)
        assert any(graph.op(n) == op.name for n in graph), f"{example!r} does not use {op.name}"

        text = resgraph.to_rg(graph)
        assert not structural_diff(graph, resgraph.loads(text)), text
        formatted = format_text(spec)
        assert format_text(formatted) == formatted
        assert not structural_diff(graph, resgraph.loads(formatted)), formatted

        for drawing in (viz.to_dot(graph), viz.to_mermaid(graph), viz.to_html(graph), viz.to_dot(graph, "auto")):
            assert op.name in drawing, (example, drawing)
        matrix = viz.connectivity(graph, ".")
        assert matrix.rows[0][0] == "x" and matrix.rows[-1][0].endswith("out"), matrix.rows
        assert set(matrix.cells.values()) <= set(edge_styles()) and "out" in viz.matrix_dot(matrix)

        summary = analysis.summarize(graph)
        assert summary.totals.params == graph.param_count()
        assert summary.inference_peak_bytes and summary.training_saved_bytes is not None
        costs = analysis.layer_costs(graph)
        assert {c.name for c in costs} >= {"out"}
        assert analysis.path_stats(graph).paths >= 1

        module, x = compiled(graph)
        assert sum(p.numel() for p in module.parameters()) == graph.param_count(), example
        expected = same_as_O0(graph, module, x)  # also: the inferred shape is the real one
        (_, x_then), got = standalone[example]
        assert torch.equal(x_then, x)
        torch.testing.assert_close(got, expected, msg=lambda m, e=example: f"standalone {e}: {m}")


def test_docs_op_table_is_the_registrys():
    """docs/language.md's op table is the generated one: regenerate it after adding an op with
    `python -m resgraph.ir.ops.table --write docs/language.md`."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text()
    assert table.BEGIN in doc and table.END in doc
    assert table.replace_table(doc) == doc, "regenerate: python -m resgraph.ir.ops.table --write docs/language.md"
    rows = table.markdown_table().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == [op.name for op in ops.all_ops()]
    conv = next(row for row in rows if row.startswith("| `conv`"))
    assert "`out_channels`, `kernel=3`, `stride=1`, `padding=none`, `dilation=1`, `groups=1`, `bias=true`" in conv


def test_table_writer_replaces_only_between_the_markers(tmp_path):
    doc = tmp_path / "ops.md"
    doc.write_text(f"before\n{table.BEGIN}\nstale\n{table.END}\nafter\n")
    assert table.main(["--write", str(doc)]) == 0
    assert doc.read_text() == f"before\n{table.BEGIN}\n{table.markdown_table()}{table.END}\nafter\n"
    doc.write_text("no markers\n")
    with pytest.raises(ValueError, match="no op table markers"):
        table.main(["--write", str(doc)])
