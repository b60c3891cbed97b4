"""Each optimization pass alone keeps the module's outputs (or gradients) and changes what it says."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import resgraph
from resgraph.passes.channels_last import channels_last
from resgraph.passes.dense_buffer import dense_buffer
from resgraph.passes.drop_dropout import drop_dropout
from resgraph.passes.fold_bn import fold_bn
from resgraph.passes.fold_bn_relu import fold_bn_relu
from resgraph.passes.inplace_relu import inplace_relu
from resgraph.passes.memory_efficient import memory_efficient
from resgraph.passes.pool_first import pool_first
from resgraph.passes.mkldnn_conv import applies as mkldnn_applies, mkldnn_conv

SMALL_DENSE = """
block layer(k: int) {
    out = in -> norm1: bn -> relu -> conv1: conv(4 * k, 1, bias=false) -> norm2: bn -> relu
             -> conv2: conv(k, 3, bias=false)
}
block dense(n: int, k: int) {
    for i in 1..=n {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: layer(k)
    }
    out = concat(in, h{1..=n})
}
model small_dense {
    input x[3, 16, 16]
    out = x -> conv0: conv(8, 3, bias=false) -> norm0: bn -> relu -> block1: dense(3, 4)
            -> norm5: bn -> relu -> adaptive_avgpool(1) -> flatten -> drop: dropout(0.5) -> fc: linear(5)
}
"""


def randomized(module: nn.Module, gain: tuple[float, float] = (0.5, 1.5)) -> nn.Module:
    """Give every BatchNorm non-trivial statistics and affine terms, so folding them is not a no-op.

    BN weights are drawn from `gain`; a very deep residual net needs them small to stay finite.
    """
    g = torch.Generator().manual_seed(1)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.num_features, generator=g) * (gain[1] - gain[0]) + gain[0])
                m.bias.copy_(torch.rand(m.num_features, generator=g) - 0.5)
    return module.eval()


@pytest.fixture(scope="module")
def dense():
    return randomized(resgraph.compile(resgraph.loads(SMALL_DENSE), seed=0))


@pytest.fixture(scope="module")
def resnet():
    return randomized(resgraph.compile("resnet18", seed=0))


def run_pass(module, fn):
    gm = copy.deepcopy(module)
    return gm, fn(gm)


def same_outputs(a, b, x, tol=1e-4):
    with torch.no_grad():
        ya, yb = a(x), b(x)
    torch.testing.assert_close(yb, ya, rtol=tol, atol=tol)


X16 = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
X64 = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def test_fold_bn_folds_every_bn_after_a_conv(dense, resnet):
    gm, changes = run_pass(resnet, fold_bn)
    assert len(changes) == 20  # resnet18: 17 convs in the trunk + 3 downsample convs, each with its BN
    assert not any(isinstance(m, nn.BatchNorm2d) for m in gm.modules())
    same_outputs(resnet, gm, X64)
    gm, changes = run_pass(dense, fold_bn)
    assert sorted(changes) == sorted(
        [f"folded block1.denselayer{i}.norm2 into block1.denselayer{i}.conv1" for i in (1, 2, 3)]
        + ["folded norm0 into conv0"])
    assert isinstance(gm.get_submodule("block1.denselayer1.norm1"), nn.BatchNorm2d)  # after a concat: stays
    same_outputs(dense, gm, X16)


def test_fold_bn_leaves_a_conv_with_other_users():
    m = randomized(resgraph.compile(resgraph.loads(
        "model m { input x[3, 8, 8]\n c = x -> conv(4, 3)\n b = c -> bn\n out = add(b, c) }"), seed=0))
    gm, changes = run_pass(m, fold_bn)
    assert changes == []
    same_outputs(m, gm, torch.randn(1, 3, 8, 8))


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


def test_pool_first_moves_average_pools_before_pointwise_convs():
    m = randomized(resgraph.compile(resgraph.loads("""model m {
        input x[6, 9, 9]
        t = x -> bn -> relu -> tconv: conv(4, 1) -> tpool: avgpool(2, ceil_mode=true)
        out = t -> conv(5, 3, padding=1) -> avgpool(3, stride=1, padding=1) -> conv(3, 1) -> avgpool(2)
    }"""), seed=0))
    gm, changes = run_pass(m, pool_first)
    # the padded pool and the 3x3 conv stay; the last conv/pool pair swaps too
    assert changes == ["tpool moved before tconv (4x fewer conv multiply-adds)",
                       "out moved before conv_1 (4x fewer conv multiply-adds)"]
    order = [n.target for n in gm.graph.nodes if n.op == "call_module"]
    assert order.index("tpool") < order.index("tconv")
    same_outputs(m, gm, torch.randn(2, 6, 9, 9, generator=torch.Generator().manual_seed(3)), tol=1e-5)


def test_drop_dropout(dense):
    gm, changes = run_pass(dense, drop_dropout)
    assert changes == ["removed dropout drop"]
    assert not any(isinstance(m, nn.Dropout) for m in gm.modules())
    same_outputs(dense, gm, X16)


def test_dense_buffer_replaces_every_concat(dense):
    gm, changes = run_pass(dense, dense_buffer)
    assert len(changes) == 1 and "4 concats share one 20-channel buffer" in changes[0]
    assert "torch.cat" not in gm.code
    same_outputs(dense, gm, X16, tol=1e-6)
    same_outputs(dense, gm, X16.contiguous(memory_format=torch.channels_last), tol=1e-6)


def test_channels_last(resnet):
    gm, changes = run_pass(resnet, channels_last)
    assert gm.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    assert "input x converted to channels_last" in changes
    same_outputs(resnet, gm, X64)


def test_inplace_relu_only_overwrites_fresh_single_use_values(resnet, dense):
    gm, changes = run_pass(resnet, inplace_relu)
    assert changes and "torch.relu_" in gm.code
    same_outputs(resnet, gm, X64)
    # the relu after each residual add overwrites the sum; the block input it read stays intact
    x = X64.clone()
    with torch.no_grad():
        gm(x)
    assert torch.equal(x, X64)


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
def test_mkldnn_fuses_conv_relu_and_residual_add(resnet):
    folded, _ = run_pass(resnet, fold_bn)
    gm, changes = run_pass(folded, mkldnn_conv)
    kinds = [c.split("oneDNN ")[1] for c in changes]
    # one per basic block; each accumulates into its identity (or downsample) tensor, dead after it
    assert kinds.count("conv+add+relu in place") == 8
    assert kinds.count("conv+relu") == 9  # the stem and the first conv of each block
    assert "operator.add" not in gm.code and "torch.relu" not in gm.code
    same_outputs(resnet, gm, X64)
    x = X64.clone()
    with torch.no_grad():
        gm(x)
    assert torch.equal(x, X64)


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
def test_mkldnn_residual_add_is_not_in_place_while_its_operand_is_read_later():
    m = randomized(resgraph.compile(resgraph.loads("""model m {
        input x[3, 8, 8]
        a = x -> conv(4, 3, padding=1)
        b = a -> conv(4, 3, padding=1) -> add(a) -> relu
        out = concat(b, a)
    }"""), seed=0))
    gm, changes = run_pass(m, mkldnn_conv)
    assert any(c.endswith("oneDNN conv+add+relu") for c in changes)
    same_outputs(m, gm, torch.randn(2, 3, 8, 8))


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
def test_mkldnn_packed_weights_follow_the_input_shape_and_survive_copies(resnet):
    from resgraph.passes.mkldnn_conv import PACKED_SHAPES, FusedConv2d

    gm = resgraph.optimize(resnet, opt_level=1)
    gen = torch.Generator().manual_seed(4)
    shapes = [(1, 3, 64, 64), (3, 3, 64, 64), (1, 3, 48, 80), (2, 3, 32, 32), (1, 3, 40, 40), (1, 3, 64, 64)]
    for shape in shapes:  # more shapes than a layer keeps: the oldest pack is dropped and remade
        same_outputs(resnet, gm, torch.randn(shape, generator=gen))
    layer = gm.get_submodule("layer4.1.conv1")
    assert isinstance(layer, FusedConv2d) and 0 < len(layer._packed) <= PACKED_SHAPES
    assert not gm.get_submodule("conv1").pack  # the 3-channel stem stays plain
    copied = copy.deepcopy(gm)
    assert copied.get_submodule("layer4.1.conv1")._packed == {}
    same_outputs(resnet, copied, X64)
    assert not any("_packed" in k for k in gm.state_dict())
    compiled = torch.compile(gm, backend="aot_eager")  # dynamo sees the plain weights
    same_outputs(resnet, compiled, X64)


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
@pytest.mark.parametrize("src", [
    # the residual operand is also the conv's input: it must not be overwritten while convolved
    "y = x -> c0: conv(8, 3) -> bn\n f = y -> c1: conv(8, 3)\n out = add(f, y) -> relu",
    # one add's operand written in place must not be read by a later-placed fused call
    "t = x -> tc: conv(8, 1)\n ca = x -> cA: conv(8, 3)\n cb = x -> cB: conv(8, 3)\n sb = add(cb, t)\n"
    " ra = add(ca, t) -> relu\n rb = sb -> relu\n out = add(ra, rb)",
])
def test_mkldnn_in_place_residuals_never_clobber_a_live_tensor(src):
    m = randomized(resgraph.compile(resgraph.loads(f"model m {{ input x[8, 8, 8]\n {src} }}"), seed=0))
    same_outputs(m, resgraph.optimize(m, opt_level=1), torch.randn(2, 8, 8, 8))


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
@pytest.mark.parametrize("src", [
    # pre-activation / linear bottleneck: the residual add has no ReLU after it (issue 13's crash)
    "a = x -> c0: conv(8, 3)\n b = a -> c1: conv(8, 3, bias=false)\n out = add(b, a) -> bn",
    "t = x -> tc: conv(8, 1)\n f = x -> c1: conv(8, 3)\n out = add(f, t)",
])
def test_mkldnn_residual_add_without_relu(src):
    m = randomized(resgraph.compile(resgraph.loads(f"model m {{ input x[8, 8, 8]\n {src} }}"), seed=0))
    gm, changes = run_pass(m, mkldnn_conv)
    assert any("oneDNN conv+add" in c and "relu" not in c for c in changes)
    same_outputs(m, gm, torch.randn(2, 8, 8, 8))


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
def test_mkldnn_packed_weights_follow_new_weights(resnet):
    gm = resgraph.optimize(resnet, opt_level=1)
    same_outputs(resnet, gm, X64)
    other = randomized(resgraph.compile("resnet18", seed=1))
    gm.load_state_dict(resgraph.optimize(other, opt_level=1).state_dict())
    same_outputs(other, gm, X64)


def test_fold_bn_relu_split_keeps_channels_whose_knee_overflows_the_dtype():
    from resgraph.passes.fold_bn_relu import split

    bn = nn.BatchNorm2d(3).eval().half()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1e-4, -1e-4, 1.0]))
        bn.bias.copy_(torch.tensor([-10.0, -10.0, 0.5]))
    scale, shift, lo, hi = split(bn)
    x = torch.tensor([-3.0, 0.0, 2.0], dtype=torch.float16).reshape(1, 1, 3, 1).expand(1, 3, 3, 1)
    shape = (1, -1, 1, 1)
    got = scale.reshape(shape) * torch.clamp(x, lo.reshape(shape), hi.reshape(shape)) + shift.reshape(shape)
    torch.testing.assert_close(got.float(), torch.relu(bn.float()(x.float())), rtol=1e-3, atol=1e-3)


def test_passes_leave_a_layer_called_from_two_places_alone():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn, self.conv = nn.BatchNorm2d(8), nn.Conv2d(8, 8, 1)

        def forward(self, x):
            return self.conv(torch.relu(self.bn(x))) + self.bn(x) * 2 + self.conv(x)

    m = randomized(Shared())
    gm = torch.fx.symbolic_trace(m)
    o = resgraph.optimize(gm, opt_level=1)
    assert isinstance(o.get_submodule("bn"), nn.BatchNorm2d)
    same_outputs(m, o, torch.randn(2, 8, 4, 4))


def test_memory_efficient_gradients_equal_the_plain_module(dense):
    plain = copy.deepcopy(dense).train()
    gm, changes = run_pass(plain, memory_efficient)
    assert len(changes) == 3
    x = X16.clone()
    losses = []
    for m in (plain, gm):
        m.zero_grad()
        torch.manual_seed(0)
        loss = m(x).square().sum()
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for (name, p), q in zip(plain.named_parameters(), gm.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-5, msg=name)
    for (name, b), c in zip(plain.named_buffers(), gm.buffers()):  # running statistics updated alike
        torch.testing.assert_close(c, b, msg=name)
