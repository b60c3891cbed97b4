"""fold_bn_relu alone: BN -> relu before an unpadded conv becomes one clamp; outputs stay."""

from __future__ import annotations

import torch
from torch import nn

import resgraph
from resgraph.optimization.fold_bn_relu import fold_bn_relu

from tests.optimization.helpers import randomized, run_pass, same_outputs, X16


def test_fold_bn_relu_turns_each_pre_activation_into_a_clamp(dense):
    gm, changes = run_pass(dense, fold_bn_relu)
    # norm1 of each dense layer (before conv1); norm2 -> relu -> conv2 pads, norm5 has no conv after it
    assert changes == [f"block1.denselayer{i}.norm1 + relu: one clamp; scale and shift folded into "
                       f"block1.denselayer{i}.conv1" for i in (1, 2, 3)]
    assert isinstance(gm.get_submodule("block1.denselayer1.norm2"), nn.BatchNorm2d)
    same_outputs(dense, gm, X16, tol=1e-5)


def test_fold_bn_relu_handles_negative_and_zero_scales():
    m = resgraph.compile(resgraph.loads(
        "model m { input x[6, 5, 5]\n out = x -> bn -> relu -> conv(4, 3, stride=2, padding=0, bias=false) }"), seed=0).eval()
    bn = next(b for b in m.modules() if isinstance(b, nn.BatchNorm2d))
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, -0.7, 0.0, -2.0, 0.3, 0.0]))
        bn.bias.copy_(torch.tensor([0.2, 0.4, 0.5, -0.3, -0.1, -0.5]))
        bn.running_mean.copy_(torch.linspace(-1, 1, 6))
        bn.running_var.copy_(torch.linspace(0.5, 2, 6))
    gm, changes = run_pass(m, fold_bn_relu)
    assert len(changes) == 1
    same_outputs(m, gm, torch.randn(3, 6, 5, 5, generator=torch.Generator().manual_seed(2)) * 3, tol=1e-5)


def test_fold_bn_relu_leaves_a_padded_conv():
    m = randomized(resgraph.compile(resgraph.loads(
        "model m { input x[3, 8, 8]\n out = x -> bn -> relu -> conv(4, 3, padding=1) }"), seed=0))
    assert run_pass(m, fold_bn_relu)[1] == []


def test_fold_bn_relu_split_keeps_channels_whose_knee_overflows_the_dtype():
    from resgraph.optimization.fold_bn_relu import split

    bn = nn.BatchNorm2d(3).eval().half()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1e-4, -1e-4, 1.0]))
        bn.bias.copy_(torch.tensor([-10.0, -10.0, 0.5]))
    scale, shift, lo, hi = split(bn)
    x = torch.tensor([-3.0, 0.0, 2.0], dtype=torch.float16).reshape(1, 1, 3, 1).expand(1, 3, 3, 1)
    shape = (1, -1, 1, 1)
    got = scale.reshape(shape) * torch.clamp(x, lo.reshape(shape), hi.reshape(shape)) + shift.reshape(shape)
    torch.testing.assert_close(got.float(), torch.relu(bn.float()(x.float())), rtol=1e-3, atol=1e-3)


def test_the_clamp_takes_one_bound_where_the_other_is_infinite_and_rechecks_when_they_change():
    from resgraph.optimization.fold_bn_relu import ChannelClamp

    inf = float("inf")
    x = torch.randn(2, 8, 5, 5, generator=torch.Generator().manual_seed(0)).contiguous(
        memory_format=torch.channels_last)[:, :3]  # a strided channel prefix, as dense_buffer hands out
    clamp = ChannelClamp(torch.tensor([0.1, -0.2, 0.0]), torch.full((3,), inf))
    torch.testing.assert_close(clamp(x), torch.clamp(x, clamp.lo, clamp.hi), rtol=0, atol=0)
    assert clamp.kind() == "max"
    clamp.hi.copy_(torch.tensor([inf, 0.3, inf]).reshape(1, -1, 1, 1))  # as load_state_dict writes
    assert clamp.kind() == "clamp"
    torch.testing.assert_close(clamp(x), torch.clamp(x, clamp.lo, clamp.hi), rtol=0, atol=0)
    clamp.lo.fill_(-inf)
    assert clamp.kind() == "min"
    torch.testing.assert_close(clamp(x), torch.minimum(x, clamp.hi), rtol=0, atol=0)
