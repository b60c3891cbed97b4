"""The nn.Module classes that ops emit where torch has none (stochastic depth).

An op whose only state is one tensor needs no class here: it holds the tensor at its own path
(`EmitterProtocol.parameter`), as layer scale does.

Self-contained on purpose (only torch, nn, F and math): the standalone code writer embeds each
class's source. Constructor arguments are stored as attributes of the same name, and every class
defines `reset_parameters()`, so that `OpDef.init`'s default and the standalone file both use it.
"""

from __future__ import annotations

import torch
from torch import nn


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
