"""mkldnn_conv alone: oneDNN conv fusions, in-place residuals that clobber nothing, packed weights."""

from __future__ import annotations

import copy

import pytest
import torch

import resgraph
from resgraph.optimization.fold_bn import fold_bn
from resgraph.optimization.mkldnn_conv import applies as mkldnn_applies, mkldnn_conv

from tests.optimization.helpers import randomized, run_pass, same_outputs, X64


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
    from resgraph.optimization.mkldnn_conv import PACKED_SHAPES, FusedConv2d

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


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
@pytest.mark.parametrize("spec", [
    # found by benchmarks/random_graphs.py: a one-channel conv added to (broadcast over) a wider map
    "input x[12, 16, 16]\n    out = x -> conv: conv(1, 3) -> add(x)",
    # a [C, 1, 1] value (the pooled conv, after pool_first) added to a map it broadcasts over
    "input x[8, 2, 2]\n    out = x -> conv: conv(8, 1) -> avgpool(2, 2) -> add(x)",
])
def test_a_broadcasting_add_is_not_fused(spec):
    module = resgraph.compile(resgraph.loads(f"model m {{\n    {spec}\n}}\n"), seed=0).eval()
    x = torch.randn(2, *module.meta["resgraph"]["graph"].type_of("x").dims())
    gm, changes = run_pass(module, mkldnn_conv)
    assert not any("conv+add" in c for c in changes)
    same_outputs(module, gm, x, tol=1e-5)
    same_outputs(module, resgraph.optimize(module, opt_level=1), x, tol=1e-5)
