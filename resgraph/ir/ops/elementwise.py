"""Elementwise ops beyond the plain activations: the hard (piecewise-linear) gates of MobileNetV3
and softmax over channels (attention maps)."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..types import TensorType
from .activation import Activation
from .base import Attrs, OpDef, ShapeMismatch
from .imports import NotImportable, TorchCall, single
from .registry import register


@register
class HardSigmoid(Activation):
    name = "hard_sigmoid"
    aliases = ("hardsigmoid",)
    function_name = "hardsigmoid"
    module_class = "Hardsigmoid"
    summary = "relu6(x + 3) / 6: MobileNetV3's gate"
    examples = ("hard_sigmoid",)

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input",)


@register
class HardSwish(Activation):
    name = "hard_swish"
    aliases = ("hardswish",)
    function_name = "hardswish"
    module_class = "Hardswish"
    summary = "x * relu6(x + 3) / 6: MobileNetV3's activation"
    examples = ("hard_swish",)

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input",)


class SoftmaxAttrs(Attrs):
    # tensor dimension: 1 is channels, 2 and 3 height and width; negatives count from the last, as
    # in PyTorch (-1: the last dimension); 0 is the batch, which a per-sample op never reduces over
    dim: int = Field(default=1, ge=-3, le=3)

    @field_validator("dim")
    @classmethod
    def _not_the_batch(cls, dim: int) -> int:
        if dim == 0:
            raise ValueError("dimension 0 is the batch, which a per-sample softmax never mixes")
        return dim

    def resolved_dim(self, rank: int) -> int:
        return self.dim if self.dim > 0 else rank + 1 + self.dim


@register
class Softmax(OpDef):
    name = "softmax"
    attrs = SoftmaxAttrs
    summary = "softmax along dim (1: over channels at each position)"
    examples = ("softmax", "softmax(2)", "softmax(-1)")

    def infer(self, a: SoftmaxAttrs, inputs, names) -> TensorType:
        (x,) = inputs
        if not 1 <= a.resolved_dim(x.rank) <= x.rank:
            raise ShapeMismatch(
                f"softmax(dim={a.dim}) needs a tensor with a dimension {a.dim}, got {x} "
                f"(dimension 1 is the channels)",
                f"use a dim between 1 and {x.rank} (or -{x.rank} and -1)" if x.spatial else "use softmax(1) on a vector",
            )
        return x

    def macs(self, a, inputs, out) -> int | None:
        return out.numel()  # one exp and one divide per element

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("output",)

    def emit(self, b, a: SoftmaxAttrs, inputs, types, out):
        import torch

        return b.function(torch.softmax, inputs[0], a.resolved_dim(types[0].rank))

    def imports(self):
        import torch
        import torch.nn.functional as F
        from torch import nn

        return dict.fromkeys([nn.Softmax, F.softmax, torch.softmax, torch.Tensor.softmax], _softmax)


def _softmax(call: TorchCall) -> dict | None:
    x = single(call)
    if x is None:
        return None
    from torch import nn

    dim = call.target.dim if isinstance(call.target, nn.Softmax) else call.arg(1, "dim")
    if dim is None:
        raise NotImportable("dim=None (softmax names its dimension)")
    rank = len(x.shape)
    dim = dim + rank if dim < 0 else dim
    if x.channels_last:
        raise NotImportable("a softmax over a map whose channels were permuted last")
    if dim == 0:
        raise NotImportable("a softmax over the batch")
    return {"dim": dim}
