"""Normalizations that do not depend on the batch: layer norm (ConvNeXt, transformers) and group norm.

layernorm on a feature map normalizes over the channels at each position, as timm's LayerNorm2d:
it lowers to permute -> nn.LayerNorm(C) -> permute, so its state_dict keys are `weight` and `bias`
of shape [C] whichever layout the reference used (NHWC nn.LayerNorm or NCHW LayerNorm2d).
"""

from __future__ import annotations

from pydantic import Field

from ..types import TensorType
from .base import MAX_CHANNELS, Attrs, OpDef, ShapeMismatch, require_map
from .imports import Imported, NotImportable, Operand, TorchCall, held_owner, single
from .registry import register


def channels_last(b, x, fn):
    """`fn` applied over the channels of an NCHW map: permute to NHWC, apply, permute back."""
    import torch

    inner = fn(b.function(torch.permute, x, (0, 2, 3, 1)))
    return b.function(torch.permute, inner, (0, 3, 1, 2))


class LayerNormAttrs(Attrs):
    eps: float = Field(default=1e-6, gt=0)
    affine: bool = True


@register
class LayerNorm(OpDef):
    name = "layernorm"
    aliases = ("layer_norm", "ln")
    attrs = LayerNormAttrs
    summary = "layer normalization over channels (at each position of a map, as LayerNorm2d; a vector's features)"
    examples = ("layernorm", "layernorm(1e-5, false)")

    def infer(self, a, inputs, names) -> TensorType:
        (x,) = inputs
        if len(x.spatial) not in (0, 2):
            raise ShapeMismatch(f"layernorm expects a vector or a feature map [C, H, W], got {x}")
        return x

    def params(self, a: LayerNormAttrs, inputs, out) -> int:
        return 2 * inputs[0].channels if a.affine else 0

    def macs(self, a, inputs, out) -> int | None:
        n = out.numel()
        return None if n is None else 2 * n  # statistics, then one multiply-add per element

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input", "per_sample")

    def saved_per_sample(self, a, inputs, out) -> int:
        return 2 * (out.numel() // out.channels)  # a mean and an rstd per position

    def emit(self, b, a: LayerNormAttrs, inputs, types, out):
        from torch import nn

        norm = nn.LayerNorm(types[0].channels, eps=a.eps, elementwise_affine=a.affine)
        if not types[0].is_map:
            return b.module(norm, inputs[0])
        return channels_last(b, inputs[0], lambda x: b.module(norm, x))

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.LayerNorm: _layernorm_module, F.layer_norm: _layernorm_function}


def _over_channels(x: Operand | None, shape) -> bool:
    """Whether a layer norm of `shape` normalizes x's channels: a vector, or a map whose channels
    are last (timm's LayerNorm2d permutes to NHWC first)."""
    return x is not None and (len(x.shape) == 2 or (x.is_map and x.channels_last)) \
        and tuple(shape) == (x.channels,)


def _layernorm_module(call: TorchCall) -> dict | None:
    m, x = call.target, single(call)
    if not _over_channels(x, m.normalized_shape):
        return None
    if m.elementwise_affine and m.bias is None:
        raise NotImportable("bias=False (layernorm's affine form has a weight and a bias)")
    return {"eps": m.eps, "affine": m.elementwise_affine}


def _layernorm_function(call: TorchCall) -> Imported | None:
    weight, bias = call.arg(2, "weight"), call.arg(3, "bias")
    x = call.args[0] if call.args else None
    if len(call.operands) != 1 or x is not call.operands[0] or not _over_channels(x, call.arg(1, "normalized_shape")):
        return None
    if (weight is None) != (bias is None):
        raise NotImportable("a weight without a bias, or a bias without a weight")
    path = held_owner({"weight": weight, "bias": bias})
    if weight is not None and path is None:
        return None
    return Imported({"eps": float(call.arg(4, "eps", 1e-5)), "affine": weight is not None}, path)


class GroupNormAttrs(Attrs):
    groups: int = Field(ge=1, le=MAX_CHANNELS)
    eps: float = Field(default=1e-5, gt=0)
    affine: bool = True


@register
class GroupNorm(OpDef):
    name = "groupnorm"
    aliases = ("group_norm", "gn")
    attrs = GroupNormAttrs
    summary = "group normalization: channels split into groups, each normalized over its channels and positions"
    examples = ("groupnorm(4)", "groupnorm(8, 1e-6, false)")

    def infer(self, a: GroupNormAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        require_map("groupnorm", x)
        if x.channels % a.groups:
            divisors = [d for d in range(1, x.channels + 1) if x.channels % d == 0 and d <= 64]
            raise ShapeMismatch(
                f"groupnorm({a.groups}) needs groups that divide the {x.channels} channels of {x}",
                f"use one of {', '.join(map(str, divisors[-4:]))}",
            )
        return x

    def params(self, a: GroupNormAttrs, inputs, out) -> int:
        return 2 * inputs[0].channels if a.affine else 0

    def macs(self, a, inputs, out) -> int | None:
        n = out.numel()
        return None if n is None else 2 * n

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input", "per_sample")

    def saved_per_sample(self, a: GroupNormAttrs, inputs, out) -> int:
        return 2 * a.groups  # a mean and an rstd per group

    def emit(self, b, a: GroupNormAttrs, inputs, types, out):
        from torch import nn

        return b.module(nn.GroupNorm(a.groups, types[0].channels, a.eps, a.affine), inputs[0])

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.GroupNorm: _groupnorm_module, F.group_norm: _groupnorm_function}


def _groupnorm_module(call: TorchCall) -> dict | None:
    m, x = call.target, single(call)
    if x is None or not x.is_map or x.channels_last:
        return None
    return {"groups": m.num_groups, "eps": m.eps, "affine": m.affine}


def _groupnorm_function(call: TorchCall) -> Imported | None:
    weight, bias = call.arg(2, "weight"), call.arg(3, "bias")
    x = call.args[0] if call.args else None
    if len(call.operands) != 1 or x is not call.operands[0] or not x.is_map or x.channels_last:
        return None
    if (weight is None) != (bias is None):
        raise NotImportable("a weight without a bias, or a bias without a weight")
    path = held_owner({"weight": weight, "bias": bias})
    if weight is not None and path is None:
        return None
    return Imported({"groups": int(call.arg(1, "num_groups")), "eps": float(call.arg(4, "eps", 1e-5)),
                     "affine": weight is not None}, path)
