"""A size (`in.channels`, `a.channels`) is readable as soon as everything it depends on is bound,
even when a statement above used a name bound later: timm's pre-activation block registers its
downsample (which reads the pre-activated value bound below it) before norm1."""

import pytest

import resgraph
from resgraph.errors import CycleError, GraphError, NameError_, ResgraphError

from .roundtrip import assert_round_trips

PREACT = """
block preact(c: int, stride: int = 1) {
    s = if in.channels != c or stride != 1 { p -> downsample: conv(c, 1, stride) } else { in }
    p = in -> norm1: bn -> relu
    out = p -> conv1: conv(c, 3, stride) -> add(s)
}

model m {
    input x[3, 8, 8]
    out = x -> b1: preact(4) -> b2: preact(4) -> b3: preact(8, 2)
}
"""


def test_in_channels_of_a_block_after_one_that_used_a_later_name():
    g = assert_round_trips(PREACT)
    assert g.inputs_of("b1.downsample") == ["b1.p"]
    assert "b2.downsample" not in g.nx  # b2's in.channels was read: 4 == 4, no shortcut conv
    assert g.inputs_of("b2.out") == ["b2.conv1", "b1.out"]
    assert g.inputs_of("b3.downsample") == ["b3.p"] and g.type_of("b3.out").spatial == (4, 4)
    layers = list(g.nx)  # the order modules are registered in: downsample first, as in timm
    assert layers.index("b1.downsample") < layers.index("b1.norm1")


MODEL = """
model m {
    input x[3, 8, 8]
    a = x -> conv(8, 1) -> add(b)
    %s
    out = c
}
"""


def test_a_size_is_read_once_the_later_name_is_bound():
    g = resgraph.loads(MODEL % "b = x -> conv(8, 1)\n    c = a -> conv(a.channels * 2, 1)")
    assert g.type_of("c").channels == 16
    assert g.inputs_of("a") == ["conv", "b"]


def test_a_size_that_depends_on_a_name_bound_below_is_still_refused():
    with pytest.raises(NameError_) as err:
        resgraph.loads(MODEL % "c = a -> conv(a.channels * 2, 1)\n    b = x -> conv(8, 1)")
    (d,) = err.value.diagnostics
    assert d.message == "the size of 'a' depends on a name bound later"
    assert (d.span.line, d.span.col) == (5, 19)


def test_a_cycle_met_by_a_size_is_a_cycle_error():
    with pytest.raises(CycleError) as err:
        resgraph.loads(MODEL % "b = a -> conv(8, 1)\n    c = a -> conv(a.channels * 2, 1)")
    assert len(err.value.diagnostics) == 1
    assert "the graph has a cycle: a -> b -> a" in str(err.value)


def test_a_size_behind_a_failed_name_repeats_nothing():
    with pytest.raises(ResgraphError) as err:
        resgraph.loads(MODEL % "b = x -> conv(8, 1) -> nosuch\n    c = a -> conv(a.channels * 2, 1)")
    assert [d.message for d in err.value.diagnostics] == ["unknown op or block 'nosuch'"]


def test_an_operand_used_twice_is_reported_once():
    with pytest.raises(GraphError) as err:
        resgraph.loads(MODEL.replace("add(b)", "add(b, b)")
                       % "b = x -> conv(8, 1)\n    c = a -> conv(a.channels * 2, 1)")
    assert [d.message for d in err.value.diagnostics] == ["'b' is used twice as an operand of 'a'"]
