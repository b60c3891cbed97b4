"""The new ops compile to what torch's own layers and functions compute, with the shapes and
parameter counts shape inference predicted."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import resgraph


def compiled(chain: str, shape=(8, 16, 16), extra: str = "", seed: int = 0):
    src = f"model m() {{\n    input x[{', '.join(map(str, shape))}]\n{extra}    out = x -> {chain}\n}}\n"
    graph = resgraph.loads(src)
    return graph, resgraph.compile(graph, seed=seed).eval()


def check(chain: str, reference, shape=(8, 16, 16), extra: str = "", seed: int = 0):
    """Compile `chain`, run it, and compare with reference(module, x); shapes and params too."""
    graph, module = compiled(chain, shape, extra, seed)
    x = torch.randn(2, *shape, generator=torch.Generator().manual_seed(1))
    y = module(x)
    torch.testing.assert_close(y, reference(module, x), rtol=1e-5, atol=1e-5)
    assert tuple(y.shape[1:]) == graph.type_of("out").dims()
    return graph, module


@pytest.mark.parametrize("op,fn", [("hard_sigmoid", F.hardsigmoid), ("hard_swish", F.hardswish),
                                   ("softmax", lambda x: F.softmax(x, 1)), ("softmax(3)", lambda x: F.softmax(x, 3))])
def test_activations(op, fn):
    check(op, lambda m, x: fn(x))


@pytest.mark.parametrize("size", [1, 3, (2, 5)])
def test_adaptive_maxpool(size):
    size_text = list(size) if isinstance(size, tuple) else size
    check(f"adaptive_maxpool({size_text})", lambda m, x: F.adaptive_max_pool2d(x, size))


@pytest.mark.parametrize("scale,mode,corners", [(2, "nearest", None), (3, "nearest", None), (1.5, "nearest", None),
                                                (2, "bilinear", False), (2, "bilinear", True), (0.5, "bilinear", False)])
def test_upsample_matches_interpolate(scale, mode, corners):
    corners_text = "" if corners is None else f", {str(corners).lower()}"
    check(f'upsample({scale}, "{mode}"{corners_text})', lambda m, x: F.interpolate(
        x, scale_factor=scale, mode=mode, align_corners=corners), shape=(4, 7, 9))


@pytest.mark.parametrize("args,kw", [
    ("6, 2, 2", dict(kernel_size=2, stride=2)),
    ("6, 3, 2, 1, 1", dict(kernel_size=3, stride=2, padding=1, output_padding=1)),
    ("4, 4, 2, 1", dict(kernel_size=4, stride=2, padding=1)),
    ("8, 3, 1, 1, groups=4", dict(kernel_size=3, padding=1, groups=4)),
    ("6, 3, 3, dilation=2, output_padding=1, bias=false", dict(kernel_size=3, stride=3, dilation=2, output_padding=1,
                                                               bias=False)),
])
def test_conv_transpose_matches_torch(args, kw):
    out_channels = int(args.split(",")[0])
    graph, module = check(f"conv_transpose({args})", lambda m, x: F.conv_transpose2d(
        x, m.out.weight, m.out.bias, kw.get("stride", 1), kw.get("padding", 0), kw.get("output_padding", 0),
        kw.get("groups", 1), kw.get("dilation", 1)), shape=(8, 5, 7))
    reference = nn.ConvTranspose2d(8, out_channels, **kw)
    assert graph.param_count("out") == sum(p.numel() for p in reference.parameters())
    assert module.out.weight.shape == reference.weight.shape


def layer_norm_2d(x, weight, bias, eps):
    """timm's LayerNorm2d written out: normalize over C at each position."""
    mean = x.mean(1, keepdim=True)
    var = x.var(1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps) * weight[:, None, None] + bias[:, None, None]


def test_layernorm_over_channels_of_a_map():
    graph, module = check("layernorm", lambda m, x: layer_norm_2d(x, m.out.weight, m.out.bias, 1e-6))
    assert isinstance(module.out, nn.LayerNorm) and module.out.weight.shape == (8,)
    assert graph.param_count("out") == 16


def test_layernorm_of_a_vector_and_without_affine():
    check("layernorm(1e-5)", lambda m, x: F.layer_norm(x, (32,), m.out.weight, m.out.bias, 1e-5), shape=(32,))
    graph, module = check("layernorm(affine=false)", lambda m, x: layer_norm_2d(x, torch.ones(8), torch.zeros(8), 1e-6))
    assert graph.param_count("out") == 0 and not list(module.parameters())


def test_groupnorm_matches_torch():
    graph, module = check("groupnorm(4)", lambda m, x: F.group_norm(x, 4, m.out.weight, m.out.bias, 1e-5))
    assert graph.param_count("out") == sum(p.numel() for p in nn.GroupNorm(4, 8).parameters())


def test_linear_over_channels_is_a_1x1_conv_with_a_linear_weight():
    graph, module = check("linear(12)", lambda m, x: F.conv2d(x, m.out.weight[:, :, None, None], m.out.bias))
    assert isinstance(module.out, nn.Linear) and module.out.weight.shape == (12, 8)
    assert str(graph.type_of("out")) == "[12, 16, 16]"
    assert graph.param_count("out") == 12 * 8 + 12


def test_layer_scale_is_saved_at_the_layer_path():
    src = ("model m() {\n    input x[8, 16, 16]\n    out = x -> blocks: [b0: [conv_dw: conv(8, 7, groups=8)"
           " -> gamma: layer_scale(0.5)]]\n}\n")
    graph = resgraph.loads(src)
    module = resgraph.compile(graph, seed=0)
    state = module.state_dict()
    assert "blocks.b0.gamma" in state and state["blocks.b0.gamma"].shape == (8,)
    assert not any(k.startswith("blocks.b0.gamma.") for k in state)
    assert torch.equal(state["blocks.b0.gamma"], torch.full((8,), 0.5))
    x = torch.randn(2, 8, 16, 16)
    dw = module.blocks.b0.conv_dw
    torch.testing.assert_close(module(x), dw(x) * 0.5)
    new = {k: torch.randn_like(v) for k, v in state.items()}
    module.load_state_dict(new, strict=True)
    assert torch.equal(module.state_dict()["blocks.b0.gamma"], new["blocks.b0.gamma"])
    with pytest.raises(RuntimeError, match=r"Missing key.*blocks\.b0\.gamma"):
        module.load_state_dict({k: v for k, v in new.items() if k != "blocks.b0.gamma"})
    assert graph.param_count("blocks.b0.gamma") == 8 == sum(p.numel() for n, p in module.named_parameters() if "gamma" in n)


def test_mul_broadcasts_a_gate_and_a_spatial_map():
    extra = "    g = x -> adaptive_avgpool(1) -> sigmoid\n    s = x -> conv(1, 1) -> sigmoid\n"
    src = f"model m() {{\n    input x[8, 16, 16]\n{extra}    out = mul(x, g, s)\n}}\n"
    graph = resgraph.loads(src)
    module = resgraph.compile(graph, seed=0)
    x = torch.randn(2, 8, 16, 16)
    gate = torch.sigmoid(F.adaptive_avg_pool2d(x, 1))
    spatial = torch.sigmoid(module.conv(x))
    torch.testing.assert_close(module(x), x * gate * spatial)
    assert str(graph.type_of("out")) == "[8, 16, 16]"
    assert graph.nx.edges["g", "out"]["kind"] == "mul"


@pytest.mark.parametrize("spec,want", [("slice(2, 6)", slice(2, 6)), ("slice(5)", slice(5, None)),
                                       ("slice(-3)", slice(-3, None)), ("slice(1, -1)", slice(1, -1))])
def test_slice_is_a_view(spec, want):
    graph, module = check(spec, lambda m, x: x[:, want])
    x = torch.randn(2, 8, 16, 16)
    assert module(x).data_ptr() == x[:, want].data_ptr()


def test_drop_path_identity_in_eval_per_sample_in_train():
    graph, module = compiled("drop_path(0.5)")
    x = torch.randn(64, 8, 16, 16)
    assert module(x) is x or torch.equal(module(x), x)
    module.train()
    torch.manual_seed(0)
    y = module(x)
    per_sample = (y / x).flatten(1)
    kept = per_sample[:, 0]
    assert torch.allclose(per_sample, kept[:, None].expand_as(per_sample))  # one factor per sample
    assert set(kept.round(decimals=4).tolist()) <= {0.0, 2.0} and 0 < (kept == 0).sum() < 64


def test_even_kernels_pad_zero_by_default():
    check("conv(16, 4, 4)", lambda m, x: F.conv2d(x, m.out.weight, m.out.bias, 4), shape=(3, 32, 32))
    check("conv(16, 2, 2)", lambda m, x: F.conv2d(x, m.out.weight, m.out.bias, 2), shape=(3, 31, 31))
    check("conv(4, 3)", lambda m, x: F.conv2d(x, m.out.weight, m.out.bias, 1, 1))
