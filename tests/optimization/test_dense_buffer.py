"""dense_buffer alone: a dense block's concats share one buffer; outputs stay."""

from __future__ import annotations

import torch

from resgraph.optimization.dense_buffer import dense_buffer

from tests.optimization.helpers import run_pass, same_outputs, X16


def test_dense_buffer_replaces_every_concat(dense):
    gm, changes = run_pass(dense, dense_buffer)
    assert len(changes) == 1 and "4 concats share one 20-channel buffer" in changes[0]
    assert "torch.cat" not in gm.code
    same_outputs(dense, gm, X16, tol=1e-6)
    same_outputs(dense, gm, X16.contiguous(memory_format=torch.channels_last), tol=1e-6)
