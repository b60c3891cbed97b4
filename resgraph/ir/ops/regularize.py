"""Stochastic depth: drop a residual branch for whole samples in training (timm's DropPath)."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, OpDef
from .imports import NotImportable, TorchCall, single
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

    def imports(self):
        # named, not imported: neither library is resgraph's dependency
        return {"timm.layers.drop.DropPath": _drop_path,
                "torchvision.ops.stochastic_depth.StochasticDepth": _drop_path}


def _drop_path(call: TorchCall) -> dict | None:
    """timm's DropPath(drop_prob) and torchvision's StochasticDepth(p, "row")."""
    if single(call) is None:
        return None
    m = call.target
    if getattr(m, "mode", "row") != "row":
        raise NotImportable(f"mode={m.mode!r} (drop_path drops whole samples: mode 'row')")
    if not getattr(m, "scale_by_keep", True):
        raise NotImportable("scale_by_keep=False (drop_path scales the kept samples)")
    return {"p": float(getattr(m, "drop_prob", getattr(m, "p", 0.0)))}
