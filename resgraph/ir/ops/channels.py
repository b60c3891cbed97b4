"""A channel slice: channels [start, stop) of a value, as a view (DPN's and CSP's splits)."""

from __future__ import annotations

from pydantic import Field

from ..types import TensorType
from .base import MAX_CHANNELS, Attrs, OpDef, ShapeMismatch
from .imports import TorchCall, single
from .registry import register


class SliceAttrs(Attrs):
    start: int = Field(ge=-MAX_CHANNELS, le=MAX_CHANNELS)
    stop: int | None = Field(default=None, ge=-MAX_CHANNELS, le=MAX_CHANNELS)

    def bounds(self, channels: int) -> tuple[int, int]:
        """[start, stop) with Python's negatives resolved against `channels` (stop none: to the end)."""
        start = self.start + channels if self.start < 0 else self.start
        stop = channels if self.stop is None else self.stop + channels if self.stop < 0 else self.stop
        return start, stop


@register
class Slice(OpDef):
    name = "slice"
    aliases = ("channels",)
    attrs = SliceAttrs
    view = "always"  # x[:, start:stop] shares the input's storage
    summary = "channels [start, stop) of its input, x[:, start:stop], without a copy; negatives count from the end"
    examples = ("slice(0, 4)", "slice(4)", "slice(-2)", "slice(2, -2)")

    def infer(self, a: SliceAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        start, stop = a.bounds(x.channels)
        if not 0 <= start < stop <= x.channels:
            stop_text = "" if a.stop is None else f", {a.stop}"
            raise ShapeMismatch(
                f"slice({a.start}{stop_text}) is out of range for the {x.channels} channels of {x}",
                f"start and stop must satisfy 0 <= start < stop <= {x.channels} "
                f"(negatives count from the end: slice(-{x.channels}) is all of them)",
            )
        return TensorType(stop - start, x.spatial, x.scale)

    def label(self, attrs) -> str:
        if attrs is None:
            return self.name
        stop = "" if attrs.stop is None else str(attrs.stop)
        return f"slice [{attrs.start}:{stop}]"

    def emit(self, b, a: SliceAttrs, inputs, types, out):
        import operator

        start, stop = a.bounds(types[0].channels)
        return b.function(operator.getitem, inputs[0], (slice(None), slice(start, stop)))

    def imports(self):
        import operator

        import torch

        return {operator.getitem: _getitem, torch.Tensor.narrow: _narrow}


def _getitem(call: TorchCall) -> dict | None:
    """`x[:, a:b]` (trailing `:` allowed): channels a to b of an NCHW value."""
    x, index = single(call), call.args[1] if len(call.args) == 2 else None
    if x is None or x.channels_last or not isinstance(index, tuple) or len(index) < 2:
        return None
    everything = slice(None)
    first, channels, rest = index[0], index[1], index[2:]
    if first != everything or not isinstance(channels, slice) or channels.step not in (None, 1) \
            or any(r != everything for r in rest) or channels == everything:
        return None
    return {"start": channels.start or 0, "stop": channels.stop}


def _narrow(call: TorchCall) -> dict | None:
    x = single(call)
    if x is None or x.channels_last or call.arg(1, "dim") != 1:
        return None
    start, length = call.arg(2, "start"), call.arg(3, "length")
    return {"start": start, "stop": start + length}
