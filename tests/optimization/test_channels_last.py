"""channels_last alone: weights and the input go channels_last; outputs stay."""

from __future__ import annotations

import torch

from resgraph.optimization.channels_last import channels_last

from tests.optimization.helpers import run_pass, same_outputs, X64


def test_channels_last(resnet):
    gm, changes = run_pass(resnet, channels_last)
    assert gm.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    assert "input x converted to channels_last" in changes
    same_outputs(resnet, gm, X64)
