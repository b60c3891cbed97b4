"""Pooling: windowed max/average and adaptive average/max (global pooling before the classifier)."""

from __future__ import annotations

from pydantic import model_validator

from ..types import TensorType
from .base import Attrs, OpDef, ShapeMismatch, pair, require_map
from .imports import NotImportable, TorchCall, compact, single
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

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.MaxPool2d: _maxpool, F.max_pool2d: _maxpool}


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

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.AvgPool2d: _avgpool, F.avg_pool2d: _avgpool}


def _window(call: TorchCall, names: tuple[str, ...]) -> dict | None:
    """A window pool's arguments, from the module's attributes or the call's (in torch's order)."""
    x = single(call)
    if x is None or not x.is_map or x.channels_last:
        return None
    m = call.target
    if hasattr(m, "kernel_size"):
        return {name: getattr(m, name) for name in names}
    found = {name: call.arg(k, name) for k, name in enumerate(names, start=1)}
    return {k: v for k, v in found.items() if v is not None}


def _pool_attrs(found: dict) -> dict:
    kernel = compact(found["kernel_size"])
    stride = compact(found.get("stride") or kernel)  # torch: stride None or [] is the kernel
    return {"kernel": kernel, "stride": None if stride == kernel else stride,
            "padding": compact(found.get("padding", 0)), "ceil_mode": bool(found.get("ceil_mode", False))}


def _maxpool(call: TorchCall) -> dict | None:
    found = _window(call, ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"))
    if found is None:
        return None
    if compact(found.get("dilation", 1)) != 1:
        raise NotImportable(f"dilation={found['dilation']} (maxpool's windows are dense)")
    if found.get("return_indices"):
        raise NotImportable("return_indices=True (maxpool gives the values only)")
    return _pool_attrs(found)


def _avgpool(call: TorchCall) -> dict | None:
    found = _window(call, ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                           "divisor_override"))
    if found is None:
        return None
    if found.get("divisor_override") is not None:
        raise NotImportable(f"divisor_override={found['divisor_override']}")
    return {**_pool_attrs(found), "count_include_pad": bool(found.get("count_include_pad", True))}


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

    def imports(self):
        import torch
        import torch.nn.functional as F
        from torch import nn

        return {nn.AdaptiveAvgPool2d: _adaptive, F.adaptive_avg_pool2d: _adaptive,
                torch.Tensor.mean: _global, torch.mean: _global}


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

    def imports(self):
        import torch
        import torch.nn.functional as F
        from torch import nn

        return {nn.AdaptiveMaxPool2d: _adaptive, F.adaptive_max_pool2d: _adaptive,
                torch.Tensor.amax: _global, torch.amax: _global}


def _adaptive(call: TorchCall) -> dict | None:
    x = single(call)
    if x is None or not x.is_map or x.channels_last:
        return None
    m = call.target
    size = m.output_size if hasattr(m, "output_size") else call.arg(1, "output_size")
    if getattr(m, "return_indices", False) or call.arg(2, "return_indices", False):
        raise NotImportable("return_indices=True (the pool gives the values only)")
    if size is None or None in (size if isinstance(size, (list, tuple)) else [size]):
        raise NotImportable(f"output_size={size!r} (a pooled size is a number)")
    return {"output_size": compact(size)}


def _global(call: TorchCall) -> dict | None:
    """`x.mean((2, 3), keepdim=True)`: global pooling, as timm's SE modules write it."""
    x = single(call)
    if x is None or not x.is_map:
        return None
    dims = call.arg(1, "dim")
    dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
    spatial = {1, 2} if x.channels_last else {2, 3}
    if {d % 4 for d in dims if isinstance(d, int)} != spatial or len(dims) != 2 or not call.arg(2, "keepdim", False):
        return None
    return {"output_size": 1}
