"""The op registry: attribute binding, shape rules and parameter counts against PyTorch's own."""

import pytest
import torch

from resgraph.errors import NameError_, TypeError_
from resgraph.ir import TensorType, ops
from resgraph.ir.ops import ShapeMismatch

X = TensorType(64, (56, 56), (4, 4))


def test_conv_defaults_and_positional_order():
    a = ops.get("conv").bind([128, 3, 2], {"bias": False})
    assert (a.out_channels, a.kernel, a.stride, a.resolved_padding(), a.bias) == (128, 3, 2, (1, 1), False)
    out = ops.get("conv").infer(a, [X], ["x"])
    assert out == TensorType(128, (28, 28), (8, 8))


def test_unknown_attribute_suggests_the_right_one():
    with pytest.raises(NameError_, match="did you mean 'stride'"):
        ops.get("conv").bind([64], {"strides": 2})


def test_out_of_range_value_is_a_type_error():
    with pytest.raises(TypeError_, match="less than or equal to 1048576"):
        ops.get("conv").bind([10**12], {})


def test_unknown_op_suggests_a_known_one():
    with pytest.raises(NameError_, match="did you mean 'maxpool'"):
        ops.get("maxpol")


@pytest.mark.parametrize(
    "op,args,kwargs,module",
    [
        ("conv", [32, 3], {"groups": 4}, lambda: torch.nn.Conv2d(64, 32, 3, padding=1, groups=4)),
        ("conv", [32, 1], {"bias": False}, lambda: torch.nn.Conv2d(64, 32, 1, bias=False)),
        ("bn", [], {}, lambda: torch.nn.BatchNorm2d(64)),
    ],
)
def test_params_match_torch(op, args, kwargs, module):
    opdef = ops.get(op)
    attrs = opdef.bind(args, kwargs)
    out = opdef.infer(attrs, [X], ["x"])
    assert opdef.params(attrs, [X], out) == sum(p.numel() for p in module().parameters())


def test_linear_params_and_vector_check():
    opdef = ops.get("linear")
    a = opdef.bind([10], {})
    assert opdef.params(a, [TensorType(512)], TensorType(10)) == 5130
    # issue 13: on a map, linear acts over the channels at each position (ConvNeXt's MLP)
    assert opdef.infer(a, [X], ["x"]) == TensorType(10, (56, 56), (4, 4))
    assert opdef.macs(a, [X], TensorType(10, (56, 56), (4, 4))) == 56 * 56 * 64 * 10


def test_conv_that_empties_the_map_is_reported():
    a = ops.get("conv").bind([8, 7], {"padding": 0})
    with pytest.raises(ShapeMismatch, match="to nothing"):
        ops.get("conv").infer(a, [TensorType(3, (4, 4), (1, 1))], ["x"])


def test_merges_check_shapes_and_sum_channels():
    add, cat = ops.get("add"), ops.get("concat")
    y = TensorType(32, (56, 56), (4, 4))
    with pytest.raises(ShapeMismatch, match=r"f is \[64, 56, 56\], s is \[32, 56, 56\]"):
        add.infer(add.bind([], {}), [X, y], ["f", "s"])
    assert cat.infer(cat.bind([], {}), [X, y], ["a", "b"]).channels == 96
    half = TensorType(32, (None, None), (8, 8))
    unknown = TensorType(64, (None, None), (4, 4))
    with pytest.raises(ShapeMismatch, match="different spatial sizes") as exc:
        cat.infer(cat.bind([], {}), [unknown, half], ["a", "b"])
    assert exc.value.hint == "b is downsampled 2x more than a: give a the same stride, or upsample b by 2"


def test_every_op_has_a_schema_and_summary():
    for opdef in ops.all_ops():
        assert opdef.summary, opdef.name
        assert issubclass(opdef.attrs, ops.Attrs)
