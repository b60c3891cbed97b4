"""Pooling: windowed max/average and adaptive average/max (global pooling before the classifier)."""

from __future__ import annotations

from pydantic import model_validator

from ..types import TensorType
from .base import Attrs, OpDef, ShapeMismatch, pair, require_map
from .registry import register
from .spatial import IntPair, window_out, window_text


class PoolAttrs(Attrs):
    kernel: IntPair = 2
    stride: IntPair | None = None  # None: equal to the kernel, as in PyTorch
    padding: IntPair = 0
    ceil_mode: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> PoolAttrs:
        k = pair(self.kernel)
        if min(k) < 1 or (self.stride is not None and min(pair(self.stride)) < 1):
            raise ValueError("kernel and stride must be >= 1")
        if any(p * 2 > kk for p, kk in zip(pair(self.padding), k)):
            raise ValueError("padding must be at most half the kernel")
        return self

    def resolved_stride(self) -> tuple[int, int]:
        return pair(self.kernel if self.stride is None else self.stride)


class WindowPool(OpDef):
    attrs = PoolAttrs

    def infer(self, a: PoolAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        require_map(self.name, x)
        spatial, scale = window_out(
            self.name, x, pair(a.kernel), a.resolved_stride(), pair(a.padding), ceil_mode=a.ceil_mode
        )
        return TensorType(x.channels, spatial, scale)

    def macs(self, a: PoolAttrs, inputs, out) -> int | None:
        n = out.numel()
        kh, kw = pair(a.kernel)
        return None if n is None else n * kh * kw  # one compare/add per window element

    def saves(self, a, inputs, out):
        return ("input",)

    def label(self, a: PoolAttrs) -> str:
        return f"{self.name} {window_text(pair(a.kernel), a.resolved_stride())}"


@register
class MaxPool(WindowPool):
    name = "maxpool"
    examples = (
        "maxpool",
        "maxpool(3, 2, 1)",
        "maxpool(3, 2, ceil_mode=true)",
        "maxpool((2, 3), 1)",
        "max_pool(5, 3, 2, ceil_mode=true)",
        "maxpool(4, 4)",
    )
    aliases = ("max_pool",)
    summary = "max over each kernel window"

    def saves(self, a, inputs, out):
        return ("input", "indices")

    def emit(self, b, a: PoolAttrs, inputs, types, out):
        from torch import nn

        return b.module(nn.MaxPool2d(pair(a.kernel), a.resolved_stride(), pair(a.padding), ceil_mode=a.ceil_mode), inputs[0])


class AvgPoolAttrs(PoolAttrs):
    count_include_pad: bool = True


@register
class AvgPool(WindowPool):
    name = "avgpool"
    examples = (
        "avgpool",
        "avgpool(3, 1, 1)",
        "avgpool(3, 2, 1, count_include_pad=false)",
        "avg_pool(2, 3, ceil_mode=true)",
        "avgpool((1, 2), (1, 2))",
    )
    aliases = ("avg_pool",)
    attrs = AvgPoolAttrs
    summary = "mean over each kernel window"

    def emit(self, b, a: AvgPoolAttrs, inputs, types, out):
        from torch import nn

        pool = nn.AvgPool2d(
            pair(a.kernel), a.resolved_stride(), pair(a.padding), a.ceil_mode, a.count_include_pad
        )
        return b.module(pool, inputs[0])


class AdaptiveAttrs(Attrs):
    output_size: IntPair = 1

    @model_validator(mode="after")
    def _positive(self) -> AdaptiveAttrs:
        if min(pair(self.output_size)) < 1:
            raise ValueError("output_size must be >= 1")
        return self


class AdaptivePool(OpDef):
    attrs = AdaptiveAttrs

    def infer(self, a: AdaptiveAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        require_map(self.name, x)
        oh, ow = pair(a.output_size)
        for size, o in zip(x.spatial, (oh, ow)):
            if size is not None and size < o:
                raise ShapeMismatch(
                    f"{self.name} to {oh}x{ow} needs a map at least that large, got {x}"
                )
        return TensorType(x.channels, (oh, ow), None)

    def macs(self, a, inputs, out) -> int | None:
        return inputs[0].numel()

    def label(self, a: AdaptiveAttrs) -> str:
        oh, ow = pair(a.output_size)
        return f"{self.name} {oh}x{ow}"


@register
class AdaptiveAvgPool(AdaptivePool):
    name = "adaptive_avgpool"
    examples = (
        "adaptive_avgpool",
        "adaptive_avgpool(2)",
        "global_avgpool((3, 5))",
        "adaptive_avgpool(1) -> flatten",
    )
    aliases = ("global_avgpool",)
    summary = "average to a fixed output size (1: global average pooling)"

    def saves(self, a, inputs, out):
        if out.spatial == (1, 1):
            return ()  # lowered by ATen to x.mean((-2, -1)), whose backward needs only the sizes
        return ("input",)

    def emit(self, b, a: AdaptiveAttrs, inputs, types, out):
        from torch import nn

        return b.module(nn.AdaptiveAvgPool2d(pair(a.output_size)), inputs[0])


@register
class AdaptiveMaxPool(AdaptivePool):
    name = "adaptive_maxpool"
    aliases = ("global_maxpool",)
    summary = "max to a fixed output size (1: global max pooling, as CBAM's channel attention)"
    examples = ("adaptive_maxpool", "adaptive_maxpool(4)", "adaptive_maxpool([2, 4])")

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input", "indices")  # adaptive_max_pool2d_backward(grad, self, indices)

    def emit(self, b, a: AdaptiveAttrs, inputs, types, out):
        from torch import nn

        return b.module(nn.AdaptiveMaxPool2d(pair(a.output_size)), inputs[0])
