"""Convolution: the weighted layer of every ResNet and DenseNet."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import Field, model_validator

from ...errors import Span, TypeError_
from ..types import TensorType
from .base import MAX_CHANNELS, MAX_KERNEL, Attrs, OpDef, ShapeMismatch, pair, require_map
from .imports import Imported, NotImportable, TorchCall, compact, held_owner, single
from .registry import register
from .spatial import IntPair, window_out, window_text


class ConvAttrs(Attrs):
    out_channels: int = Field(ge=1, le=MAX_CHANNELS)
    kernel: IntPair = 3
    stride: IntPair = 1
    padding: IntPair | None = None  # None: see resolved_padding
    dilation: IntPair = 1
    groups: int = Field(default=1, ge=1, le=MAX_CHANNELS)
    bias: bool = True

    @model_validator(mode="after")
    def _kernel_bounds(self) -> ConvAttrs:
        for name in ("kernel", "stride", "dilation"):
            for v in pair(getattr(self, name)):
                if not 1 <= v <= MAX_KERNEL:
                    raise ValueError(f"{name} must be between 1 and {MAX_KERNEL}, got {v}")
        if self.padding is not None and min(pair(self.padding)) < 0:
            raise ValueError("padding must be >= 0")
        return self

    def resolved_padding(self) -> tuple[int, int]:
        """The default: "same" (dilation * (k - 1) // 2) for an odd kernel, 0 for an even one.

        An even kernel has no symmetric "same" padding; 0 is torch's default and what the
        references write (ConvNeXt's 4x4 stem, 2x2 downsampling convs).
        """
        if self.padding is not None:
            return pair(self.padding)
        k, d = pair(self.kernel), pair(self.dilation)
        return tuple(dd * (kk - 1) // 2 if kk % 2 else 0 for kk, dd in zip(k, d))


@register
class Conv(OpDef):
    name = "conv"
    examples = (
        "conv(8, 3)",
        "conv(16, 1, bias=false)",
        "conv(8, 3, 2)",
        "conv(12, 2, 2, padding=0)",
        "conv(8, 4, 4, 0, bias=false)",
        "conv(16, (3, 1), 1, (1, 0), groups=2)",
        "conv(8, 3, dilation=2)",
        "conv(8, 3, groups=8, bias=false)",
        "conv(4, 5, 2, 2, groups=4)",
        "conv2d(6, (1, 4), padding=0)",
        "conv(8, 7, 3, 3, 2)",
    )
    aliases = ("conv2d",)
    attrs = ConvAttrs
    weighted = True
    summary = "2-D convolution; padding defaults to 'same' (dilation * (kernel - 1) / 2) for odd kernels, 0 for even ones"

    def bind(self, args: Sequence[Any], kwargs: dict[str, Any], span: Span | None = None) -> ConvAttrs:
        """The attributes; groups must divide out_channels, checked here since it needs no input
        (so it is reported after an unknown op too); the input channels are checked by `infer`."""
        a = super().bind(args, kwargs, span)
        if a.out_channels % a.groups:
            raise TypeError_(f"conv groups={a.groups} must divide out_channels ({a.out_channels})", span,
                             hint=f"groups that divide {a.out_channels}: {_divisors(a.out_channels)}")
        return a

    def infer(self, a: ConvAttrs, inputs: list[TensorType], names: list[str]) -> TensorType:
        (x,) = inputs
        require_map("conv", x)
        if x.channels % a.groups:
            both = math.gcd(x.channels, a.out_channels)
            raise ShapeMismatch(
                f"conv groups={a.groups} must divide the input channels ({x.channels}) as well as "
                f"out_channels ({a.out_channels})",
                f"groups that divide both: {_divisors(both)}",
            )
        spatial, scale = window_out(
            "conv", x, pair(a.kernel), pair(a.stride), a.resolved_padding(), pair(a.dilation)
        )
        return TensorType(a.out_channels, spatial, scale)

    def params(self, a: ConvAttrs, inputs, out) -> int:
        kh, kw = pair(a.kernel)
        return a.out_channels * (inputs[0].channels // a.groups) * kh * kw + (a.out_channels if a.bias else 0)

    def macs(self, a: ConvAttrs, inputs, out) -> int | None:
        n = out.numel()
        if n is None:
            return None
        kh, kw = pair(a.kernel)
        return n * (inputs[0].channels // a.groups) * kh * kw

    def saves(self, a, inputs, out):
        return ("input",)

    def label(self, a: ConvAttrs) -> str:
        text = f"conv {window_text(pair(a.kernel), pair(a.stride))}, {a.out_channels}"
        if pair(a.dilation) != (1, 1):
            text += f" d{pair(a.dilation)[0]}"
        if a.groups != 1:
            text += f" g{a.groups}"
        return text

    def emit(self, b, a: ConvAttrs, inputs, types, out):
        from torch import nn

        conv = nn.Conv2d(
            types[0].channels, a.out_channels, pair(a.kernel), pair(a.stride),
            a.resolved_padding(), pair(a.dilation), a.groups, a.bias,
        )
        return b.module(conv, inputs[0])

    def init(self, module, generator) -> None:
        from .init_rules import weighted_default

        weighted_default(module, generator)

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.Conv2d: _from_module, F.conv2d: _from_function}


def _from_module(call: TorchCall) -> dict | None:
    m, x = call.target, single(call)
    if x is None or not x.is_map or x.channels_last:
        return None
    if m.padding_mode != "zeros":
        raise NotImportable(f"padding_mode={m.padding_mode!r} (conv pads with zeros)")
    return conv_attrs(m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation, m.groups, m.bias is not None)


def _from_function(call: TorchCall) -> Imported | None:
    """`F.conv2d(x, self.weight, self.bias, ...)` in a module of the caller's: the layer sits at
    the module holding the weight."""
    weight, bias = call.arg(1, "weight"), call.arg(2, "bias")
    path = held_owner({"weight": weight, "bias": bias})
    x = call.args[0] if call.args else None
    if path is None or len(call.operands) != 1 or x is not call.operands[0] or x.channels_last:
        return None
    shape = tuple(weight.value.shape)
    attrs = conv_attrs(shape[0], shape[2:], call.arg(3, "stride", 1), call.arg(4, "padding", 0),
                       call.arg(5, "dilation", 1), call.arg(6, "groups", 1), bias is not None)
    return Imported(attrs, path)


def conv_attrs(out_channels, kernel, stride, padding, dilation, groups, bias) -> dict:
    """Conv attributes from torch's: padding left out where it is the default ("same" for odd kernels)."""
    k, d = pair(compact(kernel)), pair(compact(dilation))
    if isinstance(padding, str):
        if padding == "same" and any(dd * (kk - 1) % 2 for kk, dd in zip(k, d)):
            raise NotImportable("padding='same' with an even kernel pads one side more than the other")
        padding = (0, 0) if padding == "valid" else tuple(dd * (kk - 1) // 2 for kk, dd in zip(k, d))
    attrs = {"out_channels": int(out_channels), "kernel": compact(kernel), "stride": compact(stride),
             "dilation": compact(dilation), "groups": int(groups), "bias": bool(bias)}
    same = ConvAttrs(**attrs).resolved_padding()
    attrs["padding"] = None if pair(compact(padding)) == same else compact(padding)
    return attrs


def _divisors(n: int) -> str:
    """The divisors of n, for a hint (the first and last few of a number with many)."""
    small = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]
    found = sorted({*small, *(n // d for d in small)})
    return ", ".join(map(str, found)) if len(found) <= 8 else \
        ", ".join(map(str, found[:4])) + ", ..., " + ", ".join(map(str, found[-4:]))
