"""Regressions found reviewing the new constructs: each mistake reported once, where it was written,
saying what to write instead."""

import pytest

import resgraph
from resgraph.errors import NameError_, ResgraphError, TypeError_

BLOCKS = """
block dual(c: int) {
    res = in -> conv(c, 1)
    dense = in -> conv(c, 3)
    out = (res, dense)
}

block up(skip: tensor, c: int) {
    out = in -> conv(c, 1) -> concat(skip)
}

block rebinds(s: tensor) {
    s = in -> relu
    out = s
}
"""


def error(body: str, kind=ResgraphError):
    with pytest.raises(kind) as e:
        resgraph.loads(BLOCKS + "model m(n: int = 2) {\n    input x[4, 8, 8]\n" + body + "\n}", path="t.rg")
    (d,) = e.value.diagnostics
    return d


def test_a_repeated_block_with_two_outputs_is_reported_at_the_repetition_once():
    """It was reported twice inside the block's body, at the lines reading `in`."""
    d = error("    r, d = x -> dual(4) * 2\n    out = r -> add(d)", TypeError_)
    assert d.message == "block 'dual' gives 2 outputs; a repetition feeds one round's output into the next"
    assert (d.span.line, d.span.col) == (18, 17)
    assert resgraph.loads(BLOCKS + "model m {\n    input x[4, 8, 8]\n    r, d = x -> dual(4) * 1\n"
                          "    out = r -> add(d)\n}").inputs_of("out") == ["dual.res", "dual.dense"]


def test_a_size_passed_for_a_tensor_parameter_says_so():
    """It was 'undefined name x.channels'."""
    d = error("    out = x -> up(x.channels, 4)", TypeError_)
    assert d.message == "up() parameter 'skip' is a tensor, but 'x.channels' is a size"
    assert d.hint == "pass the value itself: up(x, ...)"


def test_rebinding_a_tensor_parameter_points_at_the_parameter():
    """It said 'first on line 26', the caller's line in another definition."""
    d = error("    out = x -> rebinds(x)", NameError_)
    assert d.message == "'s' is bound twice (first on line 12)"
    assert d.span.line == 13


@pytest.mark.parametrize("body, what", [
    ("    out = x -> stages.{i}: conv(4, 1) * 2 by i", "its label"),
    ("    out = x -> [conv(4, 1)] * i by i", "its count"),
])
def test_the_repetition_index_read_by_the_label_or_the_count_is_explained(body, what):
    """It was a bare "undefined name 'i'"."""
    d = error(body, NameError_)
    assert d.message == f"the repetition index 'i' is seen by the repeated element, not by {what}"
    assert d.hint
