"""Inference pass: a pre-activation `bn -> relu -> conv` becomes one clamp and a conv.

DenseNet normalizes each layer's whole concatenated input (`norm1 -> relu1 -> conv1`), so its BN
cannot fold into a conv before it. Per channel, with s = gamma / sqrt(var + eps) and t = beta - mean*s,

    relu(s*x + t) = s * clamp(x, min=-t/s) + t    (s > 0; for s < 0 the clamp bounds from above)

and s and t are linear, so they fold into the next convolution's weights and bias when it pads
nothing (a constant input map then gives a constant output). What is left is one elementwise pass,
`torch.clamp(x, lo, hi)` with per-channel bounds, instead of BatchNorm's pass plus ReLU's; it also
runs at full speed on the strided prefix views that `dense_buffer` hands out, where BatchNorm
takes a slow path.
"""

from __future__ import annotations

import torch
from torch import fx, nn

from .fx_match import called_once, drop_module, finish, is_relu, module_of, single_user


class ChannelClamp(nn.Module):
    """clamp(x, lo, hi) with bounds per channel of an [N, C, H, W] input.

    Where every upper bound is +inf (every BN scale positive, as in trained DenseNets) it is
    `torch.maximum(x, lo)`, and where every lower bound is -inf `torch.minimum(x, hi)`: the same
    values, but a two-operand kernel, 2.6x faster than clamp's three-operand one on a dense
    block's strided prefix in float32 and 2.4x in bf16 (one thread). Which one is decided again
    whenever the bounds change (load_state_dict, a dtype cast).
    """

    def __init__(self, lo: torch.Tensor, hi: torch.Tensor):
        super().__init__()
        self.register_buffer("lo", lo.reshape(1, -1, 1, 1))
        self.register_buffer("hi", hi.reshape(1, -1, 1, 1))
        self._kind: tuple[tuple, str] | None = None  # (the bounds' stamp, "max" | "min" | "clamp")

    @torch.jit.unused  # TorchScript and torch.compile take the three-operand clamp
    def kind(self) -> str:
        lo, hi = self.lo, self.hi
        stamp = (lo.data_ptr(), lo._version, hi.data_ptr(), hi._version)
        if self._kind is None or self._kind[0] != stamp:
            kind = "max" if bool((hi == float("inf")).all()) else \
                "min" if bool((lo == -float("inf")).all()) else "clamp"
            self._kind = (stamp, kind)
        return self._kind[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.jit.is_scripting() or torch.compiler.is_compiling():
            return torch.clamp(x, self.lo, self.hi)
        kind = self.kind()
        if kind == "max":
            return torch.maximum(x, self.lo)
        if kind == "min":
            return torch.minimum(x, self.hi)
        return torch.clamp(x, self.lo, self.hi)


@torch.no_grad()
def split(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(scale, shift, lo, hi) with relu(bn(x)) == scale * clamp(x, lo, hi) + shift per channel.

    Worked in float64 and cast to bn's dtype; a channel whose knee does not fit that dtype (or
    whose scale is zero) is zero or relu(beta') for every finite input and becomes that constant.
    """
    dtype = bn.running_var.dtype
    scale = bn.running_var.double().add(bn.eps).rsqrt()
    shift = -bn.running_mean.double() * scale
    if bn.affine:
        scale, shift = scale * bn.weight.double(), shift * bn.weight.double() + bn.bias.double()
    knee = (-shift / scale).to(dtype)
    inf = torch.full_like(knee, float("inf"))
    constant = (scale == 0) | ((scale > 0) & (knee == inf)) | ((scale < 0) & (knee == -inf))
    lo = torch.where(constant, 0.0, torch.where(scale > 0, knee, -inf))
    hi = torch.where(constant, 0.0, torch.where(scale < 0, knee, inf))
    scale = torch.where(constant, 0.0, scale)
    shift = torch.where(constant, shift.clamp_min(0), shift)
    return scale.to(dtype), shift.to(dtype), lo, hi


@torch.no_grad()
def scaled(conv: nn.Conv2d, scale: torch.Tensor, shift: torch.Tensor) -> nn.Conv2d:
    """A conv computing conv(scale * x + shift), scale and shift per input channel."""
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                    conv.dilation, conv.groups, bias=True, padding_mode=conv.padding_mode, device="meta")
    bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels, dtype=scale.dtype,
                                                               device=scale.device)
    out.weight = nn.Parameter(conv.weight * scale.reshape(1, -1, 1, 1))
    out.bias = nn.Parameter(bias + torch.einsum("oikl,i->o", conv.weight, shift))
    return out


def _foldable(conv: nn.Module) -> bool:
    return (type(conv) is nn.Conv2d and conv.groups == 1 and not isinstance(conv.padding, str)
            and not any(conv.padding))


def fold_bn_relu(gm: fx.GraphModule) -> list[str]:
    changes = []
    for node in [n for n in gm.graph.nodes if type(module_of(gm, n)) is nn.BatchNorm2d]:
        bn, relu = module_of(gm, node), single_user(node)
        if bn.running_mean is None or relu is None or not is_relu(gm, relu) or relu.args[0] is not node:
            continue
        conv_node = single_user(relu)
        if conv_node is None or not _foldable(module_of(gm, conv_node)) or conv_node.args[0] is not relu:
            continue
        if not (called_once(gm, node) and called_once(gm, conv_node)):
            continue
        scale, shift, lo, hi = split(bn)
        gm.add_submodule(conv_node.target, scaled(module_of(gm, conv_node), scale, shift))
        gm.add_submodule(node.target, ChannelClamp(lo, hi))
        relu.replace_all_uses_with(node)
        gm.graph.erase_node(relu)
        if relu.op == "call_module":
            drop_module(gm, relu.target)
        changes.append(f"{node.target} + relu: one clamp; scale and shift folded into {conv_node.target}")
    finish(gm)
    return changes
