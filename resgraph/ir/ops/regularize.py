"""Stochastic depth: drop a residual branch for whole samples in training (timm's DropPath)."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, OpDef
from .registry import register


class DropPathAttrs(Attrs):
    p: float = Field(default=0.0, ge=0, le=1)


@register
class DropPath(OpDef):
    name = "drop_path"
    aliases = ("stochastic_depth",)
    attrs = DropPathAttrs
    view = "eval"  # the identity in eval
    summary = "stochastic depth: in training, zero each sample's branch with probability p and scale the rest by 1/(1-p)"
    examples = ("drop_path(0.1)", "drop_path")

    def saves(self, a: DropPathAttrs, inputs, out) -> tuple[str, ...]:
        return ("per_sample",) if a.p > 0 else ()  # the product keeps the mask, not x; p = 0 returns x

    def saved_per_sample(self, a, inputs, out) -> int:
        return 1  # the [N, 1, 1, 1] mask

    def emit(self, b, a: DropPathAttrs, inputs, types, out):
        from .modules import DropPath as Module

        return b.module(Module(a.p), inputs[0])
