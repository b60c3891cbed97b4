"""Ops that reshape or pass values through: flatten, linear, dropout, identity."""

from __future__ import annotations

from pydantic import Field

from ..types import TensorType
from .base import MAX_CHANNELS, Attrs, NoAttrs, OpDef, ShapeMismatch
from .imports import Imported, NotImportable, TorchCall, held_owner, single
from .registry import register


class FlattenAttrs(Attrs):
    start_dim: int = Field(default=1, ge=1, le=1)  # only the per-sample flatten is meaningful here


@register
class Flatten(OpDef):
    name = "flatten"
    examples = ("flatten", "flatten(1)", "maxpool(4) -> flatten")
    attrs = FlattenAttrs
    view = "always"
    summary = "flatten each sample to a vector"

    def infer(self, a, inputs, names) -> TensorType:
        (x,) = inputs
        n = x.numel()
        if n is None:
            raise ShapeMismatch(
                f"flatten needs a known spatial size, but {x} has an unknown size",
                "declare the input size (input x[3, 224, 224]) or pool to a fixed size first: "
                "adaptive_avgpool(1) -> flatten",
            )
        return TensorType(n)

    def emit(self, b, a, inputs, types, out):
        import torch

        return b.function(torch.flatten, inputs[0], 1)

    def imports(self):
        import torch
        from torch import nn

        return {nn.Flatten: _flatten, torch.flatten: _flatten, torch.Tensor.flatten: _flatten,
                torch.Tensor.view: _reshape, torch.Tensor.reshape: _reshape, torch.reshape: _reshape}


def _flatten(call: TorchCall) -> dict | None:
    x = single(call)
    if x is None:
        return None
    m = call.target
    start, end = (m.start_dim, m.end_dim) if hasattr(m, "start_dim") else (call.arg(1, "start_dim", 0),
                                                                           call.arg(2, "end_dim", -1))
    if start != 1 or end not in (-1, len(x.shape) - 1):
        return None
    return _per_sample(x)


def _reshape(call: TorchCall) -> dict | None:
    """`x.view(x.size(0), -1)`, `x.reshape(n, c)`: a flatten when each sample becomes a vector."""
    x = single(call)
    if x is None or call.out is None or len(x.shape) < 2 or call.out.shape != (x.shape[0], _numel(x.shape[1:])):
        return None
    return _per_sample(x)


def _per_sample(x) -> dict:
    if x.channels_last and any(s != 1 for s in x.spatial):
        raise NotImportable("it flattens a map whose channels were permuted last (flatten keeps C, H, W order)")
    return {}


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


class LinearAttrs(Attrs):
    out_features: int = Field(ge=1, le=MAX_CHANNELS)
    bias: bool = True


@register
class Linear(OpDef):
    name = "linear"
    examples = (
        "flatten -> linear(4)",
        "adaptive_avgpool(1) -> flatten -> fc(10, bias=false)",
        "avgpool(4) -> flatten -> linear(1)",
    )
    aliases = ("fc",)
    attrs = LinearAttrs
    weighted = True
    summary = ("fully connected layer on vectors; on a feature map, over the channels at each position "
               "(a 1x1 convolution holding an nn.Linear weight, as ConvNeXt's MLP)")

    def infer(self, a: LinearAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        if len(x.spatial) not in (0, 2):
            raise ShapeMismatch(
                f"linear expects a vector or a feature map [C, H, W], got {x}",
                "pool and flatten first: adaptive_avgpool(1) -> flatten -> linear(...)",
            )
        return TensorType(a.out_features, x.spatial, x.scale)

    def params(self, a: LinearAttrs, inputs, out) -> int:
        return inputs[0].channels * a.out_features + (a.out_features if a.bias else 0)

    def macs(self, a: LinearAttrs, inputs, out) -> int | None:
        positions = 1
        for s in out.spatial:
            if s is None:
                return None
            positions *= s
        return positions * inputs[0].channels * a.out_features

    def saves(self, a, inputs, out):
        return ("input",)

    def emit(self, b, a: LinearAttrs, inputs, types, out):
        from torch import nn

        from .layer_group_norm import channels_last

        fc = nn.Linear(types[0].channels, a.out_features, a.bias)
        if not types[0].is_map:
            return b.module(fc, inputs[0])
        return channels_last(b, inputs[0], lambda x: b.module(fc, x))

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.Linear: _linear_module, F.linear: _linear_function}

    def init(self, module, generator) -> None:
        from .init_rules import weighted_default

        weighted_default(module, generator)


def _on_features(x) -> bool:
    """Whether a linear layer acts on x's channels: a vector, or a map with its channels last."""
    return x is not None and (len(x.shape) == 2 or (x.is_map and x.channels_last))


def _linear_module(call: TorchCall) -> dict | None:
    m, x = call.target, single(call)
    if not _on_features(x) or x.channels != m.in_features:
        return None
    return {"out_features": m.out_features, "bias": m.bias is not None}


def _linear_function(call: TorchCall) -> Imported | None:
    weight, bias = call.arg(1, "weight"), call.arg(2, "bias")
    path = held_owner({"weight": weight, "bias": bias})
    x = call.args[0] if call.args else None
    if path is None or len(call.operands) != 1 or x is not call.operands[0] or not _on_features(x):
        return None
    return Imported({"out_features": int(weight.value.shape[0]), "bias": bias is not None}, path)


class DropoutAttrs(Attrs):
    p: float = Field(default=0.5, ge=0, le=1)


@register
class Dropout(OpDef):
    name = "dropout"
    examples = ("dropout", "dropout(0.1)", "flatten -> dropout(0)")
    attrs = DropoutAttrs
    view = "eval"  # returns its input in eval mode, a fresh tensor in training
    pointwise = True
    summary = "zero elements with probability p in training"

    def saves(self, a: DropoutAttrs, inputs, out):
        # one float per element on CPU (CUDA keeps one byte); p = 0 returns the input itself
        return ("mask",) if a.p > 0 else ()

    def emit(self, b, a: DropoutAttrs, inputs, types, out):
        from torch import nn

        return b.module(nn.Dropout(a.p), inputs[0])

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.Dropout: _dropout, F.dropout: _dropout}


def _dropout(call: TorchCall) -> dict | None:
    """nn.Dropout, or F.dropout(x, p, self.training) as traced (in eval: training=False)."""
    if single(call) is None:
        return None
    p = getattr(call.target, "p", None)
    return {"p": float(call.arg(1, "p", 0.5) if p is None else p)}



@register
class Identity(OpDef):
    name = "identity"
    examples = ("identity", "flatten -> identity")
    attrs = NoAttrs
    view = "always"
    passes_through = True
    summary = "passes its input through unchanged"

    def imports(self):
        import torch
        from torch import nn

        return dict.fromkeys([nn.Identity, torch.Tensor.contiguous], lambda call: {} if single(call) else None)

    def emit(self, b, a, inputs, types, out):
        return inputs[0]
