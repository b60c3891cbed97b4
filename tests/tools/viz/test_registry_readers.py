"""Every drawing reads ops from the registry: an op resgraph does not ship draws like its own.

`prod_test` (tests/tools/foreign_ops.py) is a merge with its own edge kind and style; `tag_test` a
plain op. Before the readers moved to the registry, DOT and Mermaid raised KeyError on such a kind
and the matrix view a TypeError.
"""

from __future__ import annotations

import re

import pytest
from tests.tools.foreign_ops import PROD_STYLE, SPEC, registered
from tests.tools.viz.test_fold import tiny_densenet, tiny_resnet

import resgraph
from resgraph.ir.ops import registry
from resgraph.tools import viz
from resgraph.tools.viz.fold import build_view
from resgraph.tools.viz.html import matrix_page
from resgraph.tools.viz.matrix import connectivity, default_block, matrix_html
from resgraph.tools.viz.viewer_data import viewer_data

COLOR = PROD_STYLE.color


@pytest.fixture
def foreign():
    """The foreign ops registered for one test (the readers look them up while drawing)."""
    with registered():
        yield
    assert not registry.is_op("prod_test")


@pytest.fixture
def gated(foreign):
    return resgraph.loads(SPEC)


def test_dot_draws_the_foreign_kind_in_its_own_style_and_names_it_in_the_legend(gated):
    text = viz.to_dot(gated)
    assert len(re.findall(rf'-> n\d+ \[color="{COLOR}", style=dotted, penwidth=1.8', text)) == 4
    legend = re.search(r"legend \[.*\];", text).group(0)
    assert "gate (prod_test)" in legend and "skip (add)" in legend and "dense (concat)" not in legend
    assert "· · · ·" in legend  # a dotted line's sample
    # the lone product is a circle holding its symbol, in its kind's colours
    assert len(re.findall(rf'shape=circle, label="×".*color="{COLOR}", fillcolor="{PROD_STYLE.fill}"', text)) == 2
    assert 'tag_test &quot;gated&quot;' in text  # a plain op's default label: its name and attributes


def test_dot_of_folded_blocks_names_the_kind_hidden_inside(gated):
    text = viz.to_dot(gated, depth=1)
    assert "… with gate (prod_test) edges inside" in text
    assert f'color="{COLOR}", penwidth=1.6' in text  # the folded run's border
    assert "gate (prod_test)</TD>" not in text  # no such edge is drawn at this depth


def test_mermaid_uses_the_kinds_arrow_colour_and_fill(gated):
    text = viz.to_mermaid(gated)
    links = [ln for ln in text.splitlines() if re.search(r'^\s+(n\d+|lg\d+a\[" "\]) (-->|-\.->|==>|--o)[ |]', ln)]
    products = {n for n, ln in enumerate(links) if " --o" in ln}
    assert len(products) == 4 + 1  # four edges into the two products, one legend sample
    assert links[max(products)].endswith('--o|gate (prod_test)| lg2b[" "]')
    styled = {int(n) for n in re.findall(rf"linkStyle (\d+) stroke:{COLOR},stroke-width:2.3px,stroke-dasharray:2 3", text)}
    assert styled == products  # exactly the product's links are styled as products
    assert f"classDef rg_prod_test fill:{PROD_STYLE.fill}" in text
    assert len(re.findall(r'n\d+\(\("×"\)\):::rg_prod_test', text)) == 2


def test_the_viewer_styles_the_foreign_kind_from_the_registry(gated):
    page = viz.to_html(gated)
    legend = page.split('<div id="legend">')[1].split("</div>")[0]
    assert "gate (prod_test)" in legend and "dense (concat)" not in legend
    assert f'stroke="{COLOR}" stroke-width="1.8" stroke-dasharray="2 3"' in legend  # its line sample
    data = viewer_data(gated)
    kind = next(k for k in data["kinds"] if k["name"] == "prod_test")
    assert (kind["color"], kind["dash"], kind["symbol"]) == (COLOR, "2 3", "×")
    assert any(u.get("sym") == "×" and u["sc"] == COLOR for u in data["units"])  # the lone product


def test_matrix_colours_cells_of_the_foreign_kind(gated):
    assert default_block(gated) is None  # a product keeps its channels: no dense block here
    m = connectivity(gated, "blocks.0")
    assert m.cells == {(0, 1): "seq", (0, 2): "seq", (1, 3): "prod_test", (2, 3): "prod_test"}
    dot = viz.matrix_dot(m)
    assert f'BGCOLOR="{COLOR}"' in dot and "gate (prod_test)" in dot and "skip (add)" not in dot
    assert f'background:{COLOR}" title="prod_test"' in matrix_html(m)
    assert "gate (prod_test)" in matrix_page(m)
    whole = connectivity(gated, ".")  # the products are inside folded blocks: add and seq only
    assert set(whole.cells.values()) == {"seq", "add"}


def test_a_path_through_a_see_through_merge_takes_the_strongest_kind(foreign):
    """f feeds the add directly (a skip) and through the product (strength 3 > 1): its cell is a
    product. This is where the matrix raised TypeError on a kind it did not know."""
    g = resgraph.loads("""
model m {
    input x[8, 16, 16]
    f = x -> conv(8, 3)
    g = x -> adaptive_avgpool(1) -> conv(8, 1) -> sigmoid
    p = prod_test(f, g)
    out = add(p, f) -> relu
}
""")
    m = connectivity(g, ".")
    names = [n for n, _ in m.rows]
    assert "p" not in names  # see-through: everything it feeds is drawn
    f, gate, out = names.index("f"), names.index("adaptive_avgpool … g"), names.index("add … out")
    assert m.cells[(f, out)] == m.cells[(gate, out)] == "prod_test"


def test_folded_blocks_list_their_merge_kinds_weakest_first(foreign):
    g = resgraph.loads(SPEC.replace("out = prod_test(f, g)", "p = prod_test(f, g)\n    out = add(p, in)"))
    items = [it for it in build_view(g, depth=1).items if it.kind in ("block", "repeat")]
    assert items and all(it.merges == ("add", "prod_test") for it in items)


def test_legends_list_only_the_kinds_drawn():
    res, dense = tiny_resnet(), tiny_densenet()
    assert "dense (concat)" not in viz.to_html(res) and "skip (add)" not in viz.to_html(dense)
    assert "dense (concat)" not in viz.to_mermaid(res) and "skip (add)" not in viz.to_mermaid(dense)
    assert "skip (add)" not in viz.to_dot(dense)
