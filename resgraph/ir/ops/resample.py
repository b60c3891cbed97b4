"""Ops that grow a feature map: upsample and transposed convolution (decoders, U-Net, FPN).

They divide `TensorType.scale`, the exact downsampling factor from the input, so that 2x up of a
/4 map is /2 and a decoder's concat with its skip is checked like any other merge.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from ..types import TensorType
from .base import MAX_CHANNELS, MAX_KERNEL, Attrs, OpDef, ShapeMismatch, pair, require_map
from .imports import NotImportable, TorchCall, compact, single
from .registry import register
from .spatial import IntPair

MAX_UPSAMPLE = 64


class UpsampleAttrs(Attrs):
    scale: int | float = Field(default=2, gt=0, le=MAX_UPSAMPLE)
    mode: Literal["nearest", "bilinear"] = "nearest"
    align_corners: bool | None = None  # bilinear only, as in F.interpolate (checked by infer)

    def factor(self) -> Fraction:
        """The scale as an exact rational (a float as written: 1.5 is 3/2)."""
        return Fraction(self.scale) if isinstance(self.scale, int) else Fraction(repr(self.scale))


@register
class Upsample(OpDef):
    name = "upsample"
    aliases = ("interpolate",)
    attrs = UpsampleAttrs
    summary = ('resize a feature map by scale (F.interpolate): sizes become floor(size * scale); '
               'mode "nearest" or "bilinear" (with align_corners)')
    examples = ("upsample", 'upsample(2, "bilinear", false)', "upsample(0.5)")

    def infer(self, a: UpsampleAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        require_map("upsample", x)
        if a.align_corners is not None and a.mode != "bilinear":
            raise ShapeMismatch(f'upsample: align_corners applies to mode="bilinear" only, not "{a.mode}"',
                                f'drop align_corners, or write upsample({a.scale}, "bilinear", ...)')
        if x.scale is None and all(s == 1 for s in x.spatial):
            raise ShapeMismatch(
                f"upsample needs a feature map, got {x}, a per-channel vector from global pooling",
                "a [C, 1, 1] value broadcasts by itself: apply it with mul(x, g) or add(x, g); "
                "upsample grows maps whose size follows the input",
            )
        spatial = tuple(None if s is None else math.floor(s * float(a.scale)) for s in x.spatial)
        if any(s == 0 for s in spatial):
            raise ShapeMismatch(
                f"upsample({a.scale}) shrinks the {x.spatial[0]}x{x.spatial[1]} map to nothing",
                "use a scale that leaves at least one row and column, or a larger input",
            )
        scale = None if x.scale is None else tuple(Fraction(s) / a.factor() for s in x.scale)
        return TensorType(x.channels, spatial, scale)

    def macs(self, a: UpsampleAttrs, inputs, out) -> int | None:
        n = out.numel()
        if a.mode == "nearest" or n is None:
            return 0 if n is not None else None
        return 4 * n  # four taps per output element

    def emit(self, b, a: UpsampleAttrs, inputs, types, out):
        import torch.nn.functional as F

        return b.function(F.interpolate, inputs[0], scale_factor=float(a.scale), mode=a.mode,
                          align_corners=a.align_corners)

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return dict.fromkeys([F.interpolate, nn.Upsample], _upsample)


def _upsample(call: TorchCall) -> dict | None:
    """F.interpolate or nn.Upsample by one factor for both sides, or to a size that factor gives
    (FCN's `size=x.shape[-2:]`, traced to numbers)."""
    x, m = single(call), call.target
    if x is None or not x.is_map or x.channels_last or call.out is None:
        return None
    get = (lambda k, name, default: getattr(m, name)) if hasattr(m, "scale_factor") else call.arg
    mode, align = get(3, "mode", "nearest"), get(4, "align_corners", None)
    if mode not in ("nearest", "bilinear"):
        raise NotImportable(f"mode={mode!r} (upsample does nearest and bilinear)")
    if get(6, "antialias", False) if not hasattr(m, "scale_factor") else False:
        raise NotImportable("antialias=True")
    (h, w), (oh, ow) = x.spatial, call.out.spatial
    factor = get(2, "scale_factor", None)
    if factor is None:
        factor = oh / h
    factors = set(factor) if isinstance(factor, (list, tuple)) else {factor}
    if len(factors) != 1 or oh != int(h * float(next(iter(factors)))) or ow != int(w * float(next(iter(factors)))):
        raise NotImportable(f"it resizes {h}x{w} to {oh}x{ow}, not by one factor for both sides")
    scale = float(next(iter(factors)))
    return {"scale": int(scale) if scale.is_integer() else scale, "mode": mode,
            "align_corners": None if mode == "nearest" else align}


class ConvTransposeAttrs(Attrs):
    out_channels: int = Field(ge=1, le=MAX_CHANNELS)
    kernel: IntPair = 2
    stride: IntPair = 1
    padding: IntPair = 0
    output_padding: IntPair = 0
    dilation: IntPair = 1
    groups: int = Field(default=1, ge=1, le=MAX_CHANNELS)
    bias: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> ConvTransposeAttrs:
        for name in ("kernel", "stride", "dilation"):
            for v in pair(getattr(self, name)):
                if not 1 <= v <= MAX_KERNEL:
                    raise ValueError(f"{name} must be between 1 and {MAX_KERNEL}, got {v}")
        return self


@register
class ConvTranspose(OpDef):
    name = "conv_transpose"
    aliases = ("deconv", "conv_transpose2d")
    attrs = ConvTransposeAttrs
    weighted = True
    summary = ("2-D transposed convolution (learned upsampling): size becomes "
               "(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1")
    examples = ("conv_transpose(4, 2, 2)", "conv_transpose(8, 3, 2, 1, 1)", "conv_transpose(16, 3, padding=1, groups=8)")

    def infer(self, a: ConvTransposeAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        require_map("conv_transpose", x)
        if x.channels % a.groups or a.out_channels % a.groups:
            raise ShapeMismatch(
                f"conv_transpose groups={a.groups} must divide both the input channels ({x.channels}) "
                f"and out_channels ({a.out_channels})",
                "choose groups that divides both channel counts",
            )
        for op, s, d in zip(pair(a.output_padding), pair(a.stride), pair(a.dilation)):
            if op >= max(s, d):  # torch's rule
                raise ShapeMismatch(
                    f"conv_transpose output_padding {op} must be smaller than the stride ({s}) or the dilation ({d})",
                    f"output_padding picks one of the {max(s, d)} sizes the layer can produce: use 0 to {max(s, d) - 1}",
                )
        out: list[int | None] = []
        for size, k, s, p, op, d in zip(x.spatial, pair(a.kernel), pair(a.stride), pair(a.padding),
                                        pair(a.output_padding), pair(a.dilation)):
            n = None if size is None else (size - 1) * s - 2 * p + d * (k - 1) + op + 1
            if n is not None and n < 1:
                raise ShapeMismatch(
                    f"conv_transpose shrinks the {x.spatial[0]}x{x.spatial[1]} map to nothing "
                    f"(kernel {k}, stride {s}, padding {p})",
                    "use less padding or a larger kernel",
                )
            out.append(n)
        scale = None if x.scale is None else tuple(Fraction(sc) / s for sc, s in zip(x.scale, pair(a.stride)))
        return TensorType(a.out_channels, tuple(out), scale)

    def params(self, a: ConvTransposeAttrs, inputs, out) -> int:
        kh, kw = pair(a.kernel)
        return inputs[0].channels * (a.out_channels // a.groups) * kh * kw + (a.out_channels if a.bias else 0)

    def macs(self, a: ConvTransposeAttrs, inputs, out) -> int | None:
        n = inputs[0].numel()  # every input element meets the whole kernel once
        if n is None:
            return None
        kh, kw = pair(a.kernel)
        return n * (a.out_channels // a.groups) * kh * kw

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input",)

    def emit(self, b, a: ConvTransposeAttrs, inputs, types, out):
        from torch import nn

        conv = nn.ConvTranspose2d(
            types[0].channels, a.out_channels, pair(a.kernel), pair(a.stride), pair(a.padding),
            pair(a.output_padding), a.groups, a.bias, pair(a.dilation),
        )
        return b.module(conv, inputs[0])

    def imports(self):
        from torch import nn

        return {nn.ConvTranspose2d: _conv_transpose}


def _conv_transpose(call: TorchCall) -> dict | None:
    m, x = call.target, single(call)
    if x is None or not x.is_map or x.channels_last:
        return None
    if m.padding_mode != "zeros":
        raise NotImportable(f"padding_mode={m.padding_mode!r}")
    return {"out_channels": m.out_channels, "kernel": compact(m.kernel_size), "stride": compact(m.stride),
            "padding": compact(m.padding), "output_padding": compact(m.output_padding),
            "dilation": compact(m.dilation), "groups": m.groups, "bias": m.bias is not None}
