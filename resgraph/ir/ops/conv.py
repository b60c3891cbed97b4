"""Convolution: the weighted layer of every ResNet and DenseNet."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..types import TensorType
from .base import MAX_CHANNELS, MAX_KERNEL, Attrs, OpDef, ShapeMismatch, pair, require_map
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

    def infer(self, a: ConvAttrs, inputs: list[TensorType], names: list[str]) -> TensorType:
        (x,) = inputs
        require_map("conv", x)
        if x.channels % a.groups or a.out_channels % a.groups:
            raise ShapeMismatch(
                f"conv groups={a.groups} must divide both the input channels ({x.channels}) "
                f"and out_channels ({a.out_channels})",
                "choose groups that divides both channel counts",
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
