"""Blocks with extra inputs (`tensor` parameters) and several outputs (`out = (a, b)`)."""

import pytest

import resgraph
from resgraph.errors import ResgraphError, TypeError_

from .roundtrip import assert_round_trips

UNET = """
block up(skip: tensor, c: int) {
    "A U-Net decoder stage (upsampling left out): reduce, join the encoder's skip, convolve."
    out = in -> reduce: conv(c, 1) -> concat(skip) -> conv(c, 3, padding=1) -> relu
}

block dual(c: int) {
    "A DPN-style block: a residual path and a dense path."
    res = in -> conv(c, 1)
    dense = in -> conv(c, 3, padding=1)
    out = (res, dense)
}

model m {
    input x[3, 16, 16]
    e1 = x -> conv(8, 3, padding=1)
    e2 = e1 -> conv(16, 3, padding=1)
    d1 = e2 -> dec1: up(e1, 8)
    r, s = d1 -> dpn: dual(4)
    out = r -> add(s) -> conv(2, 1)
}
"""


def test_a_tensor_argument_is_a_real_edge_and_the_instance_keeps_its_paths():
    g = assert_round_trips(UNET)
    assert g.inputs_of("dec1.concat") == ["dec1.reduce", "e1"]
    assert g.type_of("dec1.concat").channels == 8 + 8
    assert ("e1", "dec1.concat") in g.nx.edges
    assert g.nx.edges["e1", "dec1.concat"]["kind"] == "concat"
    assert g.scopes["dec1"].block == "up" and g.scopes["dec1"].args == {"c": 8}


def test_several_outputs_are_destructured_by_position():
    g = resgraph.loads(UNET)
    assert g.inputs_of("add") == ["dpn.res", "dpn.dense"]
    assert g.type_of("dpn.res").channels == 4


def test_a_tensor_argument_may_be_given_by_keyword_and_named_later():
    text = UNET.replace("d1 = e2 -> dec1: up(e1, 8)", "d1 = e2 -> dec1: up(c=8, skip=e1)")
    g = resgraph.loads(text)
    assert g.inputs_of("dec1.concat") == ["dec1.reduce", "e1"]
    later = UNET.replace("    e1 = x -> conv(8, 3, padding=1)\n", "").replace(
        "    out = r", "    e1 = x -> conv(8, 3, padding=1)\n    out = r")
    later = later.replace("e2 = e1 -> maxpool", "e2 = x -> conv(8, 3, padding=1) -> relu")
    assert resgraph.loads(later).inputs_of("dec1.concat") == ["dec1.reduce", "e1"]


def test_a_block_out_may_forward_another_blocks_outputs():
    text = UNET.replace("block dual(c: int) {", """block wrap(c: int) {
    out = in -> dual(c)
}

block dual(c: int) {""").replace("dpn: dual(4)", "dpn: wrap(4)")
    g = assert_round_trips(text)
    assert g.inputs_of("add") == ["dpn.out.res", "dpn.out.dense"]  # `out = in -> dual(c)` names the instance


@pytest.mark.parametrize("change, message", [
    ("r, s = d1 -> dpn: dual(4)", "names are bound, but block 'dual' gives 2 outputs"),
    ("r = d1 -> dpn: dual(4)", "block 'dual' gives 2 outputs; 'r' names one"),
    ("r, s = d1 -> dpn: dual(4) -> relu", "a chain carries one"),
    ("r, s = d1 -> relu", "2 names are bound, but the chain gives one value"),
    ("d1 = e2 -> dec1: up(3, 8)", "parameter 'skip' is a tensor: pass the name of a value"),
    ("d1 = e2 -> dec1: up([e1], 8)", "parameter 'skip' is a tensor"),
    ("d1 = e2 -> dec1: up(c=8)", "up() is missing the argument 'skip'"),
])
def test_misuse_is_a_located_error_with_help(change, message):
    original = "r, s = d1 -> dpn: dual(4)" if change.startswith("r") else "d1 = e2 -> dec1: up(e1, 8)"
    if change == "r, s = d1 -> dpn: dual(4)":
        change = "r, s, t = d1 -> dpn: dual(4)"
    text = UNET.replace(original, change)
    with pytest.raises(ResgraphError) as e:
        resgraph.loads(text)
    out = e.value.render()
    assert message in out, out
    assert "<string>:" in out and "help:" in out


def test_a_model_has_one_output():
    text = UNET.replace("out = r -> add(s) -> conv(2, 1)", "out = (r, s)")
    with pytest.raises(ResgraphError, match="a model has one output"):
        resgraph.loads(text)


def test_a_name_holding_several_outputs_is_not_read_as_one():
    text = UNET.replace("out = r -> add(s)", "q = d1 -> dpn2: dual(4)\n    out = dpn2.out -> add(s)")
    with pytest.raises(TypeError_, match="holds 2 outputs"):
        resgraph.loads(text)
