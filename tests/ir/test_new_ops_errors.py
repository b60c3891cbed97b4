"""Every new op's failure is a located error with a help line (issue 13's error list)."""

import pytest

import resgraph
from resgraph.errors import ResgraphError


def error_of(body: str, shape: str = "8, 16, 16") -> str:
    src = f"model m() {{\n    input x[{shape}]\n{body}\n}}\n"
    with pytest.raises(ResgraphError) as exc:
        resgraph.loads(src, path="t.rg")
    return str(exc.value)


def test_mul_needs_two_operands():
    text = error_of("    out = x -> mul")
    assert text.startswith("t.rg:3:16: error: mul() takes at least 2 operands, got 1")
    assert "\nhelp: " in text


def test_broadcast_that_cannot_apply_names_both_shapes():
    text = error_of("    g = x -> conv(4, 1) -> adaptive_avgpool(1)\n    out = mul(x, g)")
    assert text.startswith("t.rg:4:11: error: mul() operands have different shapes: x is [8, 16, 16], g is [4, 1, 1]")
    assert "help: project g to 8 channels with a 1x1 convolution" in text


def test_a_gate_that_is_not_1x1_is_not_broadcast():
    text = error_of("    g = x -> adaptive_avgpool(2)\n    out = add(x, g)", shape="8, 16, 16")
    assert text.startswith("t.rg:4:11: error: add() operands have different shapes: x is [8, 16, 16], g is [8, 2, 2]")
    assert "must be 1x1 ([C, 1, 1]) or have 1 channel ([1, H, W])" in text.splitlines()[-1]


def test_a_vector_does_not_broadcast_over_a_map():
    text = error_of("    v = x -> adaptive_avgpool(1) -> flatten\n    out = mul(x, v)")
    assert text.startswith("t.rg:4:11: error: mul() operands have different ranks")
    assert "help: a vector does not broadcast over a feature map" in text


def test_slice_out_of_range():
    text = error_of("    out = x -> slice(4, 12)")
    assert text.startswith("t.rg:3:16: error: slice(4, 12) is out of range for the 8 channels of [8, 16, 16]")
    assert "help: start and stop must satisfy 0 <= start < stop <= 8" in text


def test_empty_slice_is_out_of_range():
    text = error_of("    out = x -> slice(-2, -4)")
    assert "t.rg:3:16: error: slice(-2, -4) is out of range" in text


def test_upsample_of_a_pooled_1x1():
    text = error_of("    out = x -> adaptive_avgpool(1) -> upsample(2)", shape="8, _, _")
    assert text.startswith("t.rg:3:39: error: upsample needs a feature map, got [8, 1, 1]")
    assert "help: a [C, 1, 1] value broadcasts by itself: apply it with mul(x, g)" in text


def test_upsample_of_a_real_1x1_map_is_fine():
    g = resgraph.loads("model m() {\n    input x[8, 2, 2]\n    out = x -> maxpool(2) -> upsample(4)\n}\n")
    assert str(g.type_of("out")) == "[8, 4, 4]"


def test_decoder_joined_at_the_wrong_level():
    body = """    e1 = x -> conv(8, 3, 2)
    e2 = e1 -> conv(8, 3, 2)
    e3 = e2 -> conv(8, 3, 2)
    up = e3 -> upsample(2)
    out = concat(up, e1)"""
    text = error_of(body, shape="3, _, _")
    assert text.startswith("t.rg:7:11: error: concat() operands have different spatial sizes: up is [8, ?, ?], "
                           "e1 is [8, ?, ?]")
    assert "help: up is downsampled 2x more than e1: give e1 the same stride, or upsample up by 2" in text


def test_decoder_joined_at_the_right_level_checks():
    body = """    e1 = x -> conv(8, 3, 2)
    e2 = e1 -> conv(8, 3, 2)
    up = e2 -> conv_transpose(8, 2, 2)
    out = concat(up, e1) -> upsample(2, "bilinear", false)"""
    g = resgraph.loads(f"model m() {{\n    input x[3, _, _]\n{body}\n}}\n")
    assert g.type_of("out").scale == (1, 1)


def test_output_padding_must_be_smaller_than_stride():
    text = error_of("    out = x -> conv_transpose(8, 3, 2, 1, 2)")
    assert text.startswith("t.rg:3:16: error: conv_transpose output_padding 2 must be smaller than the stride (2) "
                           "or the dilation (1)")
    assert "\nhelp: output_padding picks one of the 2 sizes the layer can produce: use 0 to 1" in text


def test_groupnorm_groups_must_divide_channels():
    text = error_of("    out = x -> groupnorm(3)")
    assert text.startswith("t.rg:3:16: error: groupnorm(3) needs groups that divide the 8 channels")
    assert "help: use one of 1, 2, 4, 8" in text


def test_align_corners_needs_bilinear():
    text = error_of("    out = x -> upsample(2, align_corners=true)")
    assert text.startswith('t.rg:3:16: error: upsample: align_corners applies to mode="bilinear" only, not "nearest"')
    assert 'help: drop align_corners, or write upsample(2, "bilinear", ...)' in text


def test_softmax_over_a_missing_dimension():
    text = error_of("    out = x -> adaptive_avgpool(1) -> flatten -> softmax(2)")
    assert "error: softmax(dim=2) needs a tensor with a dimension 2, got [8]" in text
    assert "help: use softmax(1) on a vector" in text
