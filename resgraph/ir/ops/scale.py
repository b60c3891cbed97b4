"""Layer scale: a learnable per-channel factor (ConvNeXt's gamma, CaiT, ViT's ls1/ls2)."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, OpDef
from .imports import Imported, NotImportable, TorchCall, float32
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

    def imports(self):
        import operator

        import torch

        keys = [operator.mul, operator.imul, torch.mul, torch.Tensor.mul, torch.Tensor.mul_]
        return dict.fromkeys(keys, _scale)


def _scale(call: TorchCall) -> Imported | None:
    """`x * self.gamma` or `x.mul(self.gamma.reshape(1, -1, 1, 1))`: a parameter of one value per
    channel, broadcast over the map; the layer sits at the parameter's own path."""
    if len(call.args) != 2 or len(call.operands) != 1 or len(call.held) != 1:
        return None
    x, gamma = call.operands[0], call.held[0]
    c, rank = x.channels, len(x.shape)
    per_channel = [(c,)] if rank == 2 or x.channels_last else [(c, 1, 1)]
    shape = tuple(gamma.value.shape)
    if shape not in [s for p in per_channel for s in (p, (1,) * (rank - len(p)) + p)]:
        return None
    stored = getattr(gamma.owner, gamma.path.rpartition(".")[2], None)
    if stored is None or tuple(stored.shape) != (c,):
        raise NotImportable(f"the factor '{gamma.path}' is stored as {list(getattr(stored, 'shape', []))}, "
                            f"not as [{c}] as layer_scale holds it")
    values = gamma.value.detach().flatten()
    init = float32(float(values[0])) if bool((values == values[0]).all()) else LayerScaleAttrs().init
    return Imported({"init": init}, gamma.path)
