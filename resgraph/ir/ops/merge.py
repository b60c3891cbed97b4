"""The merges: `add` (residual skip edge), `mul` (gate edge) and `concat` (dense edge)."""

from __future__ import annotations

from fractions import Fraction

from pydantic import Field

from ..types import TensorType
from .base import MAX_CHANNELS, Attrs, EdgeStyle, NoAttrs, OpDef, ShapeMismatch
from .imports import NotImportable, Operand, TorchCall
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


def _factor(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def _resolution_hint(first: str, a: TensorType, other: str, b: TensorType) -> str:
    """Which operand is coarser and by how much (scales are exact, so up- and down-sampling count)."""
    if a.scale and b.scale and a.scale != b.scale:
        fa, fb = Fraction(a.scale[0]), Fraction(b.scale[0])
        more, less, factor = (first, other, fa / fb) if fa > fb else (other, first, fb / fa)
        n = _factor(factor)
        return f"{more} is downsampled {n}x more than {less}: give {less} the same stride, or upsample {more} by {n}"
    return "both operands must have the same height and width"


def _is_point(t: TensorType) -> bool:
    """A value whose every spatial size is 1 ([C, 1, 1] gates): it broadcasts over any map."""
    return t.is_map and all(s == 1 for s in t.spatial)


def broadcast(op: str, inputs: list[TensorType], names: list[str]) -> TensorType:
    """The type of an elementwise merge of `inputs`, as torch broadcasts them.

    An operand may have 1 channel ([1, H, W] spatial attention) or all spatial sizes 1 ([C, 1, 1]
    gates); otherwise it must match the others. The rule reads only whether sizes are 1 or equal,
    never whether a size is known, so `add(x, g)` with g [C, 1, 1] checks for x [C, ?, ?] and
    [C, 8, 8] alike; maps that are not 1x1 are still checked for equal resolution.
    """
    first = inputs[0]
    for t, name in zip(inputs[1:], names[1:]):
        if t.rank != first.rank:
            raise ShapeMismatch(
                f"{op}() operands have different ranks: {names[0]} is {first}, {name} is {t}",
                "a vector does not broadcast over a feature map: pool and flatten the map, or "
                "compute the gate on a pooled map so that it is [C, 1, 1]",
            )
    channels = max(t.channels for t in inputs)
    for t, name in zip(inputs, names):
        if t.channels not in (1, channels):
            wide = names[[u.channels for u in inputs].index(channels)]
            raise ShapeMismatch(
                f"{op}() operands have different shapes: {names[0]} is {first}, {name} is {t}",
                f"project {name} to {channels} channels with a 1x1 convolution: "
                f"{name} -> conv({channels}, 1) -> bn"
                if t.channels < channels else
                f"project {wide} to {t.channels} channels, or give {name} {channels} (or 1) channels",
            )
    maps = [(t, name) for t, name in zip(inputs, names) if not _is_point(t)]
    ref, ref_name = maps[0] if maps else (first, names[0])
    for t, name in maps[1:]:
        if not same_resolution(ref, t):
            raise ShapeMismatch(
                f"{op}() operands have different shapes: {ref_name} is {ref}, {name} is {t}",
                _resolution_hint(ref_name, ref, name, t)
                + ("; a gate that broadcasts must be 1x1 ([C, 1, 1]) or have 1 channel ([1, H, W])"
                   if t.spatial != ref.spatial and first.is_map else ""),
            )
    known = next((t for t, _ in maps if t.known), ref)
    if channels == first.channels and (first is ref or first == known):
        return first  # the common case: no broadcasting
    return TensorType(channels, known.spatial, ref.scale)


class Elementwise(OpDef):
    """A merge that combines its broadcast operands elementwise with `function` (add, mul)."""

    min_inputs = 2
    max_inputs = None
    operands = "names"
    attrs = NoAttrs
    function_name: str  # attribute of the operator module

    def infer(self, a, inputs, names) -> TensorType:
        return broadcast(self.name, inputs, names)

    def imports(self):
        """`x + y` (and `+=`), torch.add(x, y), x.add(y), x.add_(y): two tensors from the input,
        no scalar, no alpha."""
        import operator

        import torch

        name = self.function_name
        keys = [getattr(operator, name), getattr(operator, "i" + name), getattr(torch, name),
                getattr(torch.Tensor, name), getattr(torch.Tensor, name + "_")]
        return dict.fromkeys(keys, _binary)

    def macs(self, a, inputs, out) -> int | None:
        n = out.numel()
        return None if n is None else n * (len(inputs) - 1)

    def emit(self, b, a, inputs, types, out):
        import operator

        fn = getattr(operator, self.function_name)
        acc = inputs[0]
        for x in inputs[1:]:
            acc = b.function(fn, acc, x)
        return acc


@register
class Add(Elementwise):
    name = "add"
    examples = ("add(y)", "relu -> add(y)", "conv(8, 3) -> add(y)")
    edge = "add"
    edge_style = EdgeStyle("#1f6fd1", "dashed", 2.0, "skip (add)", "-.->", 1, "#ffffff", "+")
    function_name = "add"
    summary = "elementwise sum: the residual (skip) connection F(x) + x; [C,1,1] and [1,H,W] operands broadcast"


@register
class Mul(Elementwise):
    name = "mul"
    aliases = ("multiply",)
    edge = "mul"
    edge_style = EdgeStyle("#7b2cbf", "dotted", 1.8, "gate (mul)", "-..->", 3, "#f3e8ff")
    function_name = "mul"
    summary = "elementwise product: the gate of SE and spatial attention x * g; [C,1,1] and [1,H,W] operands broadcast"
    examples = ("mul(g)", "mul(y)", "mul(y, g)")

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        # each operand's gradient is the product of the others; from three operands on, the
        # partial products (x * y in (x * y) * g) are kept too
        return ("input", "per_sample") if len(inputs) > 2 else ("input",)

    def saved_per_sample(self, a, inputs, out) -> int:
        return sum(broadcast("mul", inputs[:k], [""] * k).numel() for k in range(2, len(inputs)))


@register
class Concat(OpDef):
    name = "concat"
    examples = (
        "concat(y)",
        "cat(y)",
        "concat",
        "conv(4, 1) -> concat(y)",
        "bn -> relu -> concat(y)",
    )
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

    def imports(self):
        import torch

        return dict.fromkeys([torch.cat, torch.concat, torch.concatenate], _cat)


def _binary(call: TorchCall) -> dict | None:
    operands = call.operands
    if len(operands) == 1 and len(call.args) == 2:
        other = next(a for a in call.args if not isinstance(a, Operand))
        if isinstance(other, (int, float)):
            raise NotImportable(f"one operand is the number {other!r} (the merges read tensors)")
    if len(operands) != 2 or len(call.args) != 2 or call.held or call.kwargs.get("alpha", 1) != 1:
        return None
    if len({x.channels_last for x in operands}) != 1 or len({len(x.shape) for x in operands}) != 1:
        return None
    return {}


def _cat(call: TorchCall) -> dict | None:
    """torch.cat(xs, 1): along the channels (the last dimension of maps permuted to channels last)."""
    tensors = call.arg(0, "tensors")
    operands = call.operands
    if not operands or len(operands) != len(tensors) or len({(x.channels_last, len(x.shape)) for x in operands}) != 1:
        return None
    rank, dim = len(operands[0].shape), call.arg(1, "dim", 0)
    channel = rank - 1 if operands[0].channels_last else 1
    return {} if dim % rank == channel else None


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
