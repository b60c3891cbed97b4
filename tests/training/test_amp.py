"""Mixed precision over compiled modules: autocast runs a training step in bfloat16 on the CPU for
a residual, a dense (concat), a gated (squeeze-and-excitation) and a layer-norm/layer-scale
family, with float32 weights and gradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import resgraph


SMALL = {  # the smallest of each family, at 32x32
    "cifar_resnet20": {},
    "densenet_bc_100_k12": {"depth": 16},
    "seresnet50": {"layers": [1, 1, 1, 1], "width_per_group": 16, "num_classes": 10},
    "convnext_tiny": {"depths": [1, 1, 1, 1], "dims": [16, 32, 64, 128], "num_classes": 10},
}


@pytest.mark.parametrize("name", SMALL)
def test_bf16_autocast_trains_with_float32_weights(name):
    m = resgraph.compile(name, seed=0, input_shape=(3, 32, 32), **SMALL[name])
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = m(x)
        loss = nn.functional.cross_entropy(out, torch.zeros(2, dtype=torch.long))
    assert out.dtype == torch.bfloat16
    loss.backward()
    grads = [p.grad for p in m.parameters()]
    assert all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    m.eval()  # batch statistics of 2 samples would magnify rounding: compare with running ones
    with torch.no_grad():  # bf16 keeps ~3 significant digits: close to float32, not equal
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = m(x)
        torch.testing.assert_close(low.float(), m(x), rtol=0.05, atol=0.05)
