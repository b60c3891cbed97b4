"""What every pass test uses: BatchNorms worth folding, a pass run on a copy, outputs compared."""

from __future__ import annotations

import copy

import torch
from torch import nn

from resgraph.backend.flatten import flatten


def randomized(module: nn.Module, gain: tuple[float, float] = (0.5, 1.5)) -> nn.Module:
    """Give every BatchNorm non-trivial statistics and affine terms, so folding them is not a no-op.

    BN weights are drawn from `gain`; a very deep residual net needs them small to stay finite.
    """
    g = torch.Generator().manual_seed(1)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.num_features, generator=g) * (gain[1] - gain[0]) + gain[0])
                m.bias.copy_(torch.rand(m.num_features, generator=g) - 0.5)
    return module.eval()


def run_pass(module, fn):
    """`fn` on a flat copy of `module`, as the pipeline runs it (blocks inlined into one graph)."""
    gm = copy.deepcopy(flatten(module))
    return gm, fn(gm)


def same_outputs(a, b, x, tol=1e-4):
    with torch.no_grad():
        ya, yb = a(x), b(x)
    torch.testing.assert_close(yb, ya, rtol=tol, atol=tol)


X16 = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
X64 = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
