"""Pictures of the new constructs: blocks with several outputs (DPN) and tensor parameters (U-Net),
inner names read from outside, gate (mul) edges and upsampling, in every format at every depth."""

from __future__ import annotations

import pytest

import resgraph
from resgraph.tools import viz
from resgraph.tools.viz.fold import build_view, max_depth

DPN = """
block dual(bw: int, inc: int) {
    "A DPN-style block: a residual path and a dense path from one conv's split output."
    y = in -> c1x1: conv(bw + inc, 1, bias=false) -> bn -> relu
    res = y -> slice(0, bw)
    dense = y -> slice(bw)
    out = (res, dense)
}

block gate(c: int) {
    g = in -> adaptive_avgpool(1) -> fc: conv(c, 1) -> sigmoid
    out = mul(in, g)
}

block join(dense: tensor, c: int) {
    out = concat(in, dense) -> conv(c, 1) -> gate(c)
}

model dpn_like {
    input x[3, 16, 16]
    stem = x -> conv(16, 3) -> relu
    r, d = stem -> dpn: dual(16, 8)
    r2, d2 = r -> dpn2: dual(16, 8)
    j = r2 -> add(r) -> mix: join(d2, 16)
    k = d -> mix2: join(j, 8)
    out = k -> adaptive_avgpool(1) -> flatten -> fc: linear(10)
}
"""

UP = """
block up(skip: tensor, c: int) {
    out = in -> upsample(2) -> reduce: conv(c, 1) -> concat(skip) -> conv(c, 3) -> relu
}
"""

UNET = UP + """
block down(c: int) {
    out = in -> maxpool(2) -> conv(c, 3) -> relu
}

model unet_like {
    input x[3, 32, 32]
    e1 = x -> conv(8, 3) -> relu
    e2 = e1 -> enc2: down(16)
    e3 = e2 -> enc3: down(32)
    d2 = e3 -> dec2: up(e2, 16)
    d1 = d2 -> dec1: up(e1, 8)
    out = d1 -> head: conv(2, 1)
}
"""

# dec's second entry is computed after its first layer; in LOOP it is computed from inside dec
LATE = UP + """
model late {
    input x[3, 32, 32]
    a = x -> conv(8, 3, 2) -> relu
    d = a -> dec: up(b, 8)
    b = x -> conv(8, 3) -> relu
    out = d -> head: conv(2, 1)
}
"""
LOOP = LATE.replace("b = x -> conv(8, 3)", "b = dec.reduce -> conv(8, 3)")

SPECS = {"dpn": DPN, "unet": UNET, "late": LATE, "loop": LOOP}


def edges(graph, depth) -> set[tuple[str, str, str]]:
    """The view's edges by item name."""
    view = build_view(graph, depth)
    return {(view.items[a].name, view.items[b].name, k) for a, b, k in view.edges}


@pytest.mark.parametrize("name", SPECS)
def test_every_format_draws_every_depth(name):
    g = resgraph.loads(SPECS[name])
    for depth in (None, *range(1, max_depth(g) + 1), "auto"):
        view = build_view(g, depth)
        members = [m for it in view.items for m in it.members]
        assert sorted(members) == sorted(g.nx), "every layer is drawn once"
        assert viz.to_dot(g, depth).startswith("digraph")
        assert "flowchart" in viz.to_mermaid(g, depth)
        assert "<html" in viz.to_html(g, depth)


def test_a_folded_block_with_two_outputs_keeps_both_edges_and_shows_both_shapes():
    g = resgraph.loads(DPN)
    folded = edges(g, 1)
    assert {("dpn", "dpn2", "seq"), ("dpn", "add", "add"), ("dpn", "mix2", "seq"),
            ("dpn2", "add", "add"), ("dpn2", "mix", "seq"), ("add", "mix", "seq")} <= folded
    dpn = next(it for it in build_view(g, 1).items if it.name == "dpn")
    assert dpn.shape == "16×16×16, 8×16×16"  # res, dense
    assert dpn.merges == ()  # a slice is no merge


def test_open_blocks_draw_the_gate_and_dense_edges_into_their_layers():
    g = resgraph.loads(DPN)
    every = edges(g, None)
    assert ("mix.out.adaptive_avgpool … g", "mix.out.out", "mul") in every
    assert ("mix.concat … conv", "mix.out.out", "mul") in every
    assert ("dpn2.dense", "mix.concat … conv", "concat") in every  # the tensor argument's edge
    assert ("dpn.dense", "mix2.concat … conv", "concat") in every
    mix = next(it for it in build_view(g, 1).items if it.name == "mix")
    assert mix.merges == ("concat", "mul")  # both kinds inside, the weaker first
    dot = viz.to_dot(g, None)
    assert 'label="gate (mul)"' in dot or "gate (mul)" in dot


def test_a_folded_decoder_takes_its_skip_as_a_second_entry():
    g = resgraph.loads(UNET)
    assert {("conv … e1", "dec1", "seq"), ("enc2", "dec2", "seq"), ("enc3", "dec2", "seq"),
            ("dec2", "dec1", "seq")} <= edges(g, 1)
    open_ = edges(g, None)
    assert ("conv … e1", "dec1.concat … out", "concat") in open_
    assert ("dec2.upsample … reduce", "dec2.concat … out", "concat") in open_
    rows = {it.name: it.rows for it in build_view(g, None).items}
    assert rows["dec1.upsample … reduce"][0].startswith("upsample")


def test_items_are_in_an_order_where_edges_point_forward():
    """A block sat where its first layer does, ahead of its second entry: the trunk drawing failed."""
    g = resgraph.loads(LATE)
    view = build_view(g, 1)
    assert all(a < b for a, b, _ in view.edges)
    names = [it.name for it in view.items]
    assert names.index("conv_1 … b") < names.index("dec")
    assert [view.items[i].name for i in view.spine()][-2:] == ["dec", "head"]


def test_a_loop_of_boxes_through_an_inner_name_is_drawn():
    g = resgraph.loads(LOOP)
    folded = edges(g, 1)
    assert {("dec", "conv_1 … b", "seq"), ("conv_1 … b", "dec", "seq"), ("dec", "head", "seq")} <= folded
    dec = next(it for it in build_view(g, 1).items if it.name == "dec")
    assert dec.shape == "8×32×32, 8×32×32"  # dec.reduce leaves the box too
    assert viz.to_dot(g, 1).count("->") >= 4
