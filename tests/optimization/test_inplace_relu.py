"""inplace_relu alone: a relu overwrites only a fresh value nothing else reads."""

from __future__ import annotations

import torch

from resgraph.optimization.inplace_relu import inplace_relu

from tests.optimization.helpers import run_pass, same_outputs, X64


def test_inplace_relu_only_overwrites_fresh_single_use_values(resnet, dense):
    gm, changes = run_pass(resnet, inplace_relu)
    assert changes and "torch.relu_" in gm.code
    same_outputs(resnet, gm, X64)
    # the relu after each residual add overwrites the sum; the block input it read stays intact
    x = X64.clone()
    with torch.no_grad():
        gm(x)
    assert torch.equal(x, X64)
