"""Layer scale: a learnable per-channel factor (ConvNeXt's gamma, CaiT, ViT's ls1/ls2)."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, OpDef
from .registry import register


class LayerScaleAttrs(Attrs):
    init: float = Field(default=1e-6, ge=-1e6, le=1e6)


@register
class LayerScale(OpDef):
    name = "layer_scale"
    aliases = ("layerscale",)
    attrs = LayerScaleAttrs
    summary = ("x * gamma per channel, gamma starting at init; its state_dict key is the layer's own path "
               "(a layer `gamma` in `stages.0.blocks.0` is saved as `stages.0.blocks.0.gamma`, as in timm)")
    examples = ("layer_scale", "layer_scale(0.1)")

    def params(self, a, inputs, out) -> int:
        return inputs[0].channels

    def macs(self, a, inputs, out) -> int | None:
        return out.numel()

    def saves(self, a, inputs, out) -> tuple[str, ...]:
        return ("input",)  # the gradient of gamma needs x

    def emit(self, b, a: LayerScaleAttrs, inputs, types, out):
        import torch

        gamma = b.parameter((types[0].channels,))  # held at the layer's path: no module, no `.weight`
        per_channel = b.function(torch.reshape, gamma, (-1, *([1] * len(types[0].spatial))))
        return b.function(torch.mul, inputs[0], per_channel)

    def init_held(self, a: LayerScaleAttrs) -> tuple[str, dict]:
        return "constant_", {"val": a.init}
