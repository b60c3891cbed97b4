"""A name inside a block instance is addressable from outside: `layer3.5.out`, `layer3.5.conv2`."""

import pytest

import resgraph
from resgraph.errors import CycleError, ResgraphError

from .roundtrip import assert_round_trips

NET = """
block basic(c: int) {
    h = in -> conv1: conv(c, 3, padding=1) -> relu
    out = h -> conv2: conv(c, 3, padding=1) -> add(in) -> relu
}

model m {
    input x[3, 8, 8]
    y = x -> stem: conv(4, 1) -> layer1: basic(4) * 3
    tap = layer1.1.conv2 -> conv(2, 1)
    lateral = layer1.0.out -> add(layer1.2.h) -> conv(2, 1)
    out = y -> add(layer1.1.out) -> concat(tap, lateral)
}
"""


def test_inner_layers_and_names_are_operands_and_chain_starts():
    g = assert_round_trips(NET)
    assert g.inputs_of("tap") == ["layer1.1.conv2"]
    assert g.inputs_of("add")[:2] == ["layer1.0.out", "layer1.2.h"]
    assert g.inputs_of("out.add") if "out.add" in g.nx else True
    assert "layer1.1.conv1" in g.nx  # the state_dict keys stay the block-instance paths


def test_an_inner_name_may_be_used_before_the_instance():
    lines = NET.splitlines()
    tap = next(k for k, line in enumerate(lines) if "tap =" in line)
    y = next(k for k, line in enumerate(lines) if "y = x" in line)
    lines[y], lines[tap] = lines[tap], lines[y]
    g = resgraph.loads("\n".join(lines))
    assert g.inputs_of("tap") == ["layer1.1.conv2"]


def test_inner_names_read_sizes():
    text = NET.replace("tap = layer1.1.conv2 -> conv(2, 1)",
                       "tap = layer1.1.conv2 -> conv(layer1.1.conv2.channels // 2, 1)")
    assert resgraph.loads(text).type_of("tap").channels == 2


def test_a_cycle_through_an_inner_name_is_refused():
    text = """
block basic(c: int) {
    out = in -> concat(back) -> conv(c, 1)
}
model m {
    input x[3, 8, 8]
    y = x -> b: basic(4)
    back = b.out -> relu
    out = y
}
"""
    with pytest.raises(ResgraphError) as e:
        resgraph.loads(text)
    assert "undefined name 'back'" in e.value.render()  # a block sees only its own names
    cyc = """
block basic(c: int, skip: tensor) {
    out = in -> concat(skip) -> conv(c, 1)
}
model m {
    input x[3, 8, 8]
    y = x -> b: basic(4, back)
    back = b.out -> relu
    out = y
}
"""
    with pytest.raises(CycleError):
        resgraph.loads(cyc)


def test_a_misspelt_inner_name_suggests_the_nearest():
    with pytest.raises(ResgraphError) as e:
        resgraph.loads(NET.replace("layer1.1.conv2 -> conv(2, 1)", "layer1.1.conv3 -> conv(2, 1)"))
    out = e.value.render()
    assert "undefined name 'layer1.1.conv3'" in out and "did you mean 'layer1.1.conv" in out
