"""Blocks with several inputs and outputs from Python: a function over Values inside `b.scope`."""

import resgraph
from resgraph.builder import Builder
from resgraph.syntax.unparse import structural_diff, to_rg


def up(b: Builder, x, skip, c: int):
    with b.scope("dec1", block="up", c=c):
        return x.conv(c, 1, name="reduce").concat(skip).conv(c, 3, padding=1).relu()


def dual(b: Builder, x, c: int):
    with b.scope("dpn", block="dual", c=c):
        return x.conv(c, 1, name="res"), x.conv(c, 3, padding=1, name="dense")


def test_several_inputs_and_outputs_keep_their_paths_and_print_as_rg():
    b = Builder("m")
    x = b.input(3, 16, 16)
    e1 = x.conv(8, 3, padding=1, name="e1")
    d1 = up(b, e1.conv(16, 3, padding=1), e1, 8)
    r, s = dual(b, d1, 4)
    g = b.build(r.add(s).conv(2, 1, name="head"))
    assert g.inputs_of("dec1.concat") == ["dec1.reduce", "e1"]
    assert g.inputs_of("add") == ["dpn.res", "dpn.dense"]
    assert g.scopes["dpn"].block == "dual"
    assert structural_diff(g, resgraph.loads(to_rg(g))) == []


def test_builder_mul_is_a_gate_edge():
    """`b.mul` is the gate edge beside `b.add` and `b.concat`: its own kind, broadcast like add."""
    from resgraph import Builder

    b = Builder("gated")
    x = b.input(8, 4, 4)
    g = x.adaptive_avgpool(1).sigmoid()
    graph = b.build(b.mul(x, g, name="gate").flatten())
    assert {k for u, v, k, _ in graph.edges() if v == "gate"} == {"mul"}
    assert str(graph.type_of("gate")) == "[8, 4, 4]"
