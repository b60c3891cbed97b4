"""The two merges at the heart of resgraph: `add` (residual skip edge) and `concat` (dense edge)."""

from __future__ import annotations

from pydantic import Field

from ..types import TensorType
from .base import MAX_CHANNELS, Attrs, EdgeStyle, NoAttrs, OpDef, ShapeMismatch
from .registry import register


def same_resolution(a: TensorType, b: TensorType) -> bool:
    """Equal spatial size where both are known, else equal downsampling factor where both are known."""
    if a.spatial == b.spatial and (a.scale == b.scale or a.known):
        return True  # the common case, decided by two tuple comparisons (dense blocks have many)
    if len(a.spatial) != len(b.spatial):
        return False
    if a.known and b.known:
        return a.spatial == b.spatial
    if a.scale is not None and b.scale is not None:
        return a.scale == b.scale
    return True  # one of them has a fixed size and the other an unknown one: decided at run time


def _resolution_hint(first: str, a: TensorType, other: str, b: TensorType) -> str:
    if a.scale and b.scale and a.scale != b.scale:
        fa, fb = a.scale[0], b.scale[0]
        more, less, factor = (first, other, fa // fb) if fa > fb else (other, first, fb // fa)
        return f"{more} is downsampled {factor}x more than {less}: give {less} the same stride"
    return "both operands must have the same height and width"


@register
class Add(OpDef):
    name = "add"
    min_inputs = 2
    max_inputs = None
    operands = "names"
    edge = "add"
    edge_style = EdgeStyle("#1f6fd1", "dashed", 2.0, "skip (add)", "-.->", 1, "#ffffff", "+")
    attrs = NoAttrs
    summary = "elementwise sum: the residual (skip) connection F(x) + x"

    def infer(self, a, inputs, names) -> TensorType:
        first = inputs[0]
        for t, name in zip(inputs[1:], names[1:]):
            if t.channels != first.channels:
                raise ShapeMismatch(
                    f"add() operands have different shapes: {names[0]} is {first}, {name} is {t}",
                    f"project {name} to {first.channels} channels with a 1x1 convolution: "
                    f"{name} -> conv({first.channels}, 1) -> bn",
                )
            if not same_resolution(first, t):
                raise ShapeMismatch(
                    f"add() operands have different shapes: {names[0]} is {first}, {name} is {t}",
                    _resolution_hint(names[0], first, name, t),
                )
        return first

    def macs(self, a, inputs, out) -> int | None:
        n = out.numel()
        return None if n is None else n * (len(inputs) - 1)

    def emit(self, b, a, inputs, types, out):
        import operator

        acc = inputs[0]
        for x in inputs[1:]:
            acc = b.function(operator.add, acc, x)
        return acc


@register
class Concat(OpDef):
    name = "concat"
    aliases = ("cat",)
    min_inputs = 1
    max_inputs = None
    operands = "names"
    edge = "concat"
    edge_style = EdgeStyle("#e8590c", "bold", 1.6, "dense (concat)", "==>", 2, "#fff4e6")
    attrs = NoAttrs
    summary = "concatenation along channels: the dense connection [x0, x1, ...]"

    def infer(self, a, inputs, names) -> TensorType:
        first = inputs[0]
        for t, name in zip(inputs[1:], names[1:]):
            if not same_resolution(first, t):
                raise ShapeMismatch(
                    f"concat() operands have different spatial sizes: {names[0]} is {first}, {name} is {t}",
                    _resolution_hint(names[0], first, name, t),
                )
        channels = sum(t.channels for t in inputs)
        if channels > MAX_CHANNELS:
            raise ShapeMismatch(f"concat() makes {channels} channels, more than the limit {MAX_CHANNELS}")
        known = next((t for t in inputs if t.known), first)
        return TensorType(channels, known.spatial, first.scale)

    def emit(self, b, a, inputs, types, out):
        import torch

        return b.function(torch.cat, list(inputs), 1)


class InputAttrs(Attrs):
    shape: tuple[int | None, ...] = Field(min_length=1, max_length=4)


@register
class Input(OpDef):
    name = "input"
    min_inputs = 0
    max_inputs = 0
    attrs = InputAttrs
    summary = "the model's input: [C, H, W] for images, [F] for vectors"

    def label(self, a) -> str:
        return self.name  # the shape is drawn beside it

    def infer(self, a: InputAttrs, inputs, names) -> TensorType:
        c, *spatial = a.shape
        if c is None or not 1 <= c <= MAX_CHANNELS:
            raise ShapeMismatch(f"input channels must be between 1 and {MAX_CHANNELS}, got {c}")
        if any(s is not None and not 1 <= s <= 1 << 16 for s in spatial):
            raise ShapeMismatch(f"input spatial sizes must be between 1 and 65536, got {list(a.shape)}")
        return TensorType(c, tuple(spatial), tuple(1 for _ in spatial))
