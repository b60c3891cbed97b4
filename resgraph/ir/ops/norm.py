"""Batch normalization over channels, for feature maps and for vectors."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, OpDef
from .registry import register


class BatchNormAttrs(Attrs):
    eps: float = Field(default=1e-5, gt=0)
    momentum: float | None = Field(default=0.1, ge=0, le=1)
    affine: bool = True
    zero_init: bool = False  # start with weight 0: the "zero-init residual" trick (Goyal et al.)


@register
class BatchNorm(OpDef):
    name = "bn"
    examples = (
        "bn",
        "bn(1e-3, 0.01)",
        "bn(affine=false)",
        "bn(zero_init=true)",
        "batchnorm(momentum=none)",
        "flatten -> bn",
    )
    aliases = ("batchnorm",)
    attrs = BatchNormAttrs
    summary = "batch normalization over channels (BatchNorm2d for maps, BatchNorm1d for vectors)"

    def params(self, a: BatchNormAttrs, inputs, out) -> int:
        return 2 * inputs[0].channels if a.affine else 0

    def macs(self, a, inputs, out) -> int | None:
        return out.numel()  # one multiply-add per element once folded to scale and shift

    def saves(self, a, inputs, out):
        return ("input", "stats")

    def label(self, a: BatchNormAttrs) -> str:
        return "bn (zero-init)" if a.zero_init else "bn"

    def emit(self, b, a: BatchNormAttrs, inputs, types, out):
        from torch import nn

        cls = nn.BatchNorm2d if types[0].is_map else nn.BatchNorm1d
        bn = cls(types[0].channels, eps=a.eps, momentum=a.momentum, affine=a.affine)
        if a.zero_init and a.affine:
            nn.init.zeros_(bn.weight)
        return b.module(bn, inputs[0])

    def init(self, module, generator) -> None:
        from .init_rules import norm_default

        norm_default(module, generator)
