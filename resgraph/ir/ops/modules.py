"""The nn.Module classes that ops emit where torch has none: layer scale and stochastic depth.

Self-contained on purpose (only torch, nn, F and math): the standalone code writer embeds each
class's source. Constructor arguments are stored as attributes of the same name, and every class
defines `reset_parameters()`, so that `OpDef.init`'s default and the standalone file both use it.
"""

from __future__ import annotations

import torch
from torch import nn


class LayerScale(nn.Module):
    """x * gamma per channel (ConvNeXt, CaiT, ViT's `ls1`), gamma starting at `init`.

    The one parameter is saved at the layer's own path: a layer `gamma` in block `stages.0.blocks.0`
    is the state_dict key `stages.0.blocks.0.gamma`, as timm keeps ConvNeXt's gamma on the block,
    rather than `stages.0.blocks.0.gamma.weight`. `named_parameters()` still lists it as `...weight`.
    Loading needs the parent's help (`attach`), which the module builder calls.
    """

    def __init__(self, channels: int, init: float = 1e-6) -> None:
        super().__init__()
        self.channels = channels
        self.init = init
        self.weight = nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.weight.fill_(self.init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(self.weight.reshape(-1, *([1] * (x.dim() - 2))))

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        key = prefix[:-1] or "weight"  # saved on its own, it is an ordinary layer
        destination[key] = self.weight if keep_vars else self.weight.detach()

    def attach(self, parent: nn.Module, name: str) -> None:
        """Called once this layer is `parent.<name>`: the parent hands the key `<name>` (no dot, so
        torch gives it to no child and calls it unexpected) to this layer as `<name>.weight`."""

        def nest(state_dict, prefix, *args):
            if prefix + name in state_dict:
                state_dict[prefix + name + ".weight"] = state_dict.pop(prefix + name)

        parent._register_load_state_dict_pre_hook(nest)


class DropPath(nn.Module):
    """Stochastic depth (timm's DropPath): in training, zero whole samples with probability p and
    scale the kept ones by 1 / (1 - p); the identity in eval."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = p

    def reset_parameters(self) -> None:
        """Nothing to fill: it holds no tensors (every emitted class has this method)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        if keep > 0.0:
            mask.div_(keep)
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"
