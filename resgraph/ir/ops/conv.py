"""Convolution: the weighted layer of every ResNet and DenseNet."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..types import TensorType
from .base import MAX_CHANNELS, MAX_KERNEL, Attrs, OpDef, ShapeMismatch, pair, require_map
from .registry import register
from .spatial import IntPair, window_out


class ConvAttrs(Attrs):
    out_channels: int = Field(ge=1, le=MAX_CHANNELS)
    kernel: IntPair = 3
    stride: IntPair = 1
    padding: IntPair | None = None  # None: "same" for odd kernels at stride 1, i.e. dilation * (k - 1) // 2
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
        if self.padding is not None:
            return pair(self.padding)
        k, d = pair(self.kernel), pair(self.dilation)
        return (d[0] * (k[0] - 1) // 2, d[1] * (k[1] - 1) // 2)


@register
class Conv(OpDef):
    name = "conv"
    aliases = ("conv2d",)
    attrs = ConvAttrs
    weighted = True
    summary = "2-D convolution; padding defaults to 'same' for odd kernels"

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
