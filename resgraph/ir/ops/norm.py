"""Batch normalization over channels, for feature maps and for vectors."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, OpDef
from .imports import Imported, NotImportable, TorchCall, held_owner, single
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

    def imports(self):
        import torch.nn.functional as F
        from torch import nn

        return {nn.BatchNorm2d: _from_module, nn.BatchNorm1d: _from_module, F.batch_norm: _from_function}


def _from_module(call: TorchCall) -> dict | None:
    m, x = call.target, single(call)
    if x is None or x.channels_last or len(x.shape) != (4 if isinstance(call.target, _bn2d()) else 2):
        return None
    if not m.track_running_stats:
        raise NotImportable("track_running_stats=False (bn keeps running statistics)")
    return {"eps": m.eps, "momentum": m.momentum, "affine": m.affine}


def _from_function(call: TorchCall) -> Imported | None:
    """`F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, ...)`, as
    timm's BatchNormAct2d calls it: the layer sits at the module holding the statistics."""
    tensors = {name: call.arg(k, name) for k, name in
               enumerate(("running_mean", "running_var", "weight", "bias"), start=1)}
    path = held_owner(tensors)
    x = call.args[0] if call.args else None
    if path is None or len(call.operands) != 1 or x is not call.operands[0] or x.channels_last:
        return None
    if tensors["running_mean"] is None or tensors["running_var"] is None:
        raise NotImportable("batch statistics without running statistics (bn keeps them)")
    if (tensors["weight"] is None) != (tensors["bias"] is None):
        raise NotImportable("a weight without a bias, or a bias without a weight")
    owner = tensors["running_mean"].owner
    momentum = getattr(owner, "momentum", call.arg(6, "momentum", 0.1))  # eval passes 0.0 in its place
    return Imported({"eps": float(call.arg(7, "eps", 1e-5)), "momentum": momentum,
                     "affine": tensors["weight"] is not None}, path)


def _bn2d():
    from torch import nn

    return nn.BatchNorm2d
