"""An unknown op does not stop its chain from being checked; its consequences are not reported."""

import pytest

import resgraph
from resgraph.errors import ResgraphError


def errors(text: str) -> list[str]:
    with pytest.raises(ResgraphError) as e:
        resgraph.loads(text)
    return [d.message for d in e.value.diagnostics if d.severity == "error"]


def test_every_independent_error_of_the_chain_and_the_file_is_reported():
    got = errors("""
model m {
    input x[3, 32, 32]
    h = x -> foo(3) -> conv(8, 3, strde=2) -> bn -> bar -> add(nothere) -> basic(4) -> linear(10)
    out = h -> conv(8, 3, groups=5)
}
""")
    assert got[0] == "unknown op or block 'foo'"
    assert "conv() has no attribute 'strde'" in got
    assert "unknown op or block 'bar'" in got
    assert "undefined name 'nothere'" in got
    assert "unknown op or block 'basic'" in got
    # linear(10) on an unknown-typed value and conv groups on `h` need the input type: not reported
    assert len(got) == 5, got


def test_a_block_argument_after_an_unknown_op_is_still_checked():
    got = errors("""
block b(c: int) {
    out = in -> conv(c, 1)
}
model m {
    input x[3, 8, 8]
    out = x -> foo -> b(cc=3)
}
""")
    assert got == ["unknown op or block 'foo'", "b() has no parameter 'cc'"]


def test_conv_groups_against_its_own_channels_is_checked_after_an_unknown_op():
    got = errors("""
model m {
    input x[3, 32, 32]
    out = x -> foo(3) -> conv(8, 3, groups=5) -> bn
}
""")
    assert got == ["unknown op or block 'foo'", "conv groups=5 must divide out_channels (8)"]


def test_conv_groups_against_the_input_channels_is_checked_with_the_input_type():
    with pytest.raises(ResgraphError) as e:
        resgraph.loads("model m {\n    input x[6, 8, 8]\n    out = x -> conv(8, 3, groups=4)\n}", path="t.rg")
    assert e.value.render().splitlines()[0] == (
        "t.rg:3:16: error: conv groups=4 must divide the input channels (6) as well as out_channels (8)")
    assert e.value.diagnostics[0].hint == "groups that divide both: 1, 2"
