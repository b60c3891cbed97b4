"""Parameter-free shortcuts: He et al.'s option A (subsample, then zero-pad the new channels)."""

from __future__ import annotations

from pydantic import Field

from ..types import TensorType
from .base import MAX_CHANNELS, Attrs, OpDef, ShapeMismatch, require_map
from .imports import TorchCall, single
from .registry import register


class SubsampleAttrs(Attrs):
    stride: int = Field(default=2, ge=1, le=4096)


@register
class Subsample(OpDef):
    name = "subsample"
    examples = ("subsample", "subsample(3)", "subsample(1)", "subsample -> pad_channels(16)")
    attrs = SubsampleAttrs
    view = "always"  # x[:, :, ::s, ::s] is a strided view
    summary = "keep every stride-th row and column: x[:, :, ::s, ::s]"

    def infer(self, a: SubsampleAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        require_map("subsample", x)
        spatial = tuple(None if s is None else -(-s // a.stride) for s in x.spatial)
        scale = None if x.scale is None else tuple(s * a.stride for s in x.scale)
        return TensorType(x.channels, spatial, scale)

    def emit(self, b, a: SubsampleAttrs, inputs, types, out):
        import operator

        every = slice(None, None, a.stride)
        return b.function(operator.getitem, inputs[0], (slice(None), slice(None), every, every))

    def imports(self):
        import operator

        return {operator.getitem: _subsample}


def _subsample(call: TorchCall) -> dict | None:
    """`x[:, :, ::s, ::s]`: every s-th row and column of an NCHW map."""
    x, index = single(call), call.args[1] if len(call.args) == 2 else None
    if x is None or not x.is_map or x.channels_last or not isinstance(index, tuple) or len(index) != 4:
        return None
    rows, cols = index[2], index[3]
    if index[:2] != (slice(None), slice(None)) or not all(
            isinstance(s, slice) and s.start in (None, 0) and s.stop is None for s in (rows, cols)):
        return None
    if rows.step != cols.step or rows.step in (None, 1):
        return None
    return {"stride": rows.step}


class PadChannelsAttrs(Attrs):
    out_channels: int = Field(ge=1, le=MAX_CHANNELS)


@register
class PadChannels(OpDef):
    name = "pad_channels"
    examples = ("pad_channels(16)", "pad_channels(11)", "pad_channels(8)")
    attrs = PadChannelsAttrs
    summary = "zero-pad channels evenly on both sides up to out_channels"

    def infer(self, a: PadChannelsAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        if a.out_channels < x.channels:
            raise ShapeMismatch(
                f"pad_channels({a.out_channels}) cannot shrink {x.channels} channels",
                "use a 1x1 convolution to reduce channels",
            )
        return TensorType(a.out_channels, x.spatial, x.scale)

    def emit(self, b, a: PadChannelsAttrs, inputs, types, out):
        import torch.nn.functional as F

        extra = a.out_channels - types[0].channels
        before = extra // 2
        pad = (0, 0) * len(types[0].spatial) + (before, extra - before)
        return b.function(F.pad, inputs[0], pad)

    def imports(self):
        import torch.nn.functional as F

        return {F.pad: _pad}


def _pad(call: TorchCall) -> dict | None:
    """`F.pad(x, (0, 0, 0, 0, p, q))`: zeros around the channels, as many before as pad_channels
    puts there (half, rounded down)."""
    x, pad = single(call), call.arg(1, "pad")
    if x is None or not x.is_map or x.channels_last or not isinstance(pad, (list, tuple)) or len(pad) != 6:
        return None
    if tuple(pad[:4]) != (0, 0, 0, 0) or call.arg(2, "mode", "constant") != "constant" or call.arg(3, "value", None) not in (None, 0, 0.0):
        return None
    before, after = pad[4], pad[5]
    if before < 0 or after < 0 or before != (before + after) // 2:
        return None
    return {"out_channels": x.channels + before + after}
