"""Every output format: deterministic text, distinct skip/dense edges, real Graphviz rendering."""

from __future__ import annotations

import re

import pytest
from tests.tools.viz.test_fold import tiny_densenet, tiny_resnet

from resgraph.errors import ResgraphError, UsageError
from resgraph.tools import viz
from resgraph.tools.viz.matrix import connectivity, default_block
from resgraph.tools.viz.style import edge_styles

needs_dot = pytest.mark.skipif(viz.find_dot() is None, reason="Graphviz is not installed")


@pytest.fixture
def no_dot(monkeypatch):
    """Graphviz made unfindable, as on a machine without it."""
    monkeypatch.setenv("PATH", "/nonexistent")
    assert viz.find_dot() is None


def test_dot_is_byte_identical_for_the_same_graph():
    assert viz.to_dot(tiny_resnet()) == viz.to_dot(tiny_resnet())
    assert viz.to_dot(tiny_densenet(), depth=2) == viz.to_dot(tiny_densenet(), depth=2)


def test_dot_draws_skip_and_dense_edges_distinctly_with_a_legend():
    res, dense = viz.to_dot(tiny_resnet()), viz.to_dot(tiny_densenet())
    add_color, concat_color = edge_styles()["add"].color, edge_styles()["concat"].color
    assert re.search(rf'-> n\d+ \[color="{add_color}", style=dashed', res)
    assert re.search(rf'-> n\d+ \[color="{concat_color}\w*", style=bold', dense)
    assert "skip (add)" in res and "dense (concat)" not in res  # the legend names what is drawn
    assert "dense (concat)" in dense
    assert 'subgraph "cluster_layer1"' in res and "conv 3x3/2, 32 · bn · relu" in res
    assert "32×16×16" in res


def test_dot_labels_folded_runs_with_their_count():
    text = viz.to_dot(tiny_resnet(blocks=4), depth=1)
    assert "layer1.0–3" in text and "basic(c=16, stride=1) × 4" in text and "shape=box3d" in text


def test_mermaid_styles_each_edge_kind():
    text = viz.to_mermaid(tiny_densenet(), depth=2)
    assert text.splitlines()[1] == "flowchart TD"
    assert " ==> " in text and "linkStyle" in text and 'subgraph legend["edges"]' in text
    n_links = sum(1 for ln in text.splitlines() if re.search(r" (-->|-\.->|==>)", ln))
    styled = [int(m) for m in re.findall(r"linkStyle (\d+)", text)]
    assert styled and max(styled) < n_links  # every linkStyle points at a real link
    assert viz.to_mermaid(tiny_resnet()) == viz.to_mermaid(tiny_resnet())
    assert " -.-> " in viz.to_mermaid(tiny_resnet())


def test_matrix_of_a_dense_block_is_a_full_triangle():
    g = tiny_densenet(n_layers=4)
    assert default_block(g) == "features.denseblock1"
    m = connectivity(g)
    names = [n for n, _ in m.rows]
    assert names[0].startswith("in: ") and names[1:5] == [f"denselayer{i}" for i in range(1, 5)]
    assert names[-1] == "out"
    n = len(names)
    assert {(i, j) for i in range(n) for j in range(i + 1, n)} == set(m.cells)  # all-to-all
    assert m.cells[(0, 1)] == "seq" and m.cells[(1, 2)] == "concat"


def test_matrix_of_a_residual_model_shows_skip_cells():
    m = connectivity(tiny_resnet(), "layer2.0")
    kinds = set(m.cells.values())
    assert kinds == {"seq", "add"}
    whole = connectivity(tiny_resnet(), ".")
    assert [n for n, _ in whole.rows][:2] == ["x", "conv1 … relu"]
    with pytest.raises(UsageError, match="no block or group called 'layer9'"):
        connectivity(tiny_resnet(), "layer9")


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_real_graphviz_renders_every_binary_format(tmp_path, fmt, magic):
    out = viz.write(tiny_resnet(), tmp_path / f"net.{fmt}", depth=None)
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 1000
    if fmt == "svg":
        assert "add · relu" in data.decode() and "stroke-dasharray" in data.decode()


@needs_dot
def test_matrix_renders_through_graphviz(tmp_path):
    out = viz.write(tiny_densenet(), tmp_path / "m.svg", matrix=True)
    svg = out.read_text()
    assert "denselayer4" in svg and edge_styles()["concat"].color in svg


def test_html_is_the_viewer_with_everything_inline(tmp_path):
    page = viz.write(tiny_densenet(), tmp_path / "d.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and 'id="rg-data"' in page and "resgraphViewer" in page
    assert not re.search(r"(src|href)=\"?(https?:|//)", page) and "<link" not in page
    assert "<script src" not in page and "import(" not in page


@needs_dot
def test_repr_svg_for_jupyter():
    svg = tiny_resnet()._repr_svg_()
    assert svg is not None and "<svg" in svg


def test_without_graphviz_binary_formats_fail_with_the_install_command(tmp_path, no_dot):
    for fmt in ("svg", "png", "pdf"):
        with pytest.raises(viz.RenderError) as err:
            viz.write(tiny_resnet(), tmp_path / f"net.{fmt}")
        assert isinstance(err.value, ResgraphError) and "apt-get install graphviz" in str(err.value)
    assert not list(tmp_path.iterdir())
    assert tiny_resnet()._repr_svg_() is None


def test_without_graphviz_text_formats_and_html_still_work(tmp_path, no_dot):
    for fmt in ("dot", "mmd"):
        assert viz.write(tiny_resnet(), tmp_path / f"net.{fmt}").stat().st_size > 500
    page = viz.write(tiny_densenet(), tmp_path / "net.html").read_text()
    assert "denselayer2" in page and "Graphviz" not in page  # the viewer lays itself out
    matrix_page = viz.write(tiny_densenet(), tmp_path / "m.html", matrix=True).read_text()
    assert 'class="matrix"' in matrix_page and edge_styles()["concat"].color in matrix_page


def test_output_name_must_say_the_format(tmp_path):
    with pytest.raises(UsageError, match="cannot tell the picture format"):
        viz.write(tiny_resnet(), tmp_path / "net.jpeg")
    with pytest.raises(UsageError, match="no Mermaid form"):
        viz.write(tiny_resnet(), tmp_path / "net.mmd", matrix=True)


@needs_dot
def test_graphviz_failure_is_a_resgraph_error():
    with pytest.raises(viz.RenderError, match="Graphviz failed to draw the picture: .*syntax error"):
        viz.render("digraph { a -> }", "svg")
