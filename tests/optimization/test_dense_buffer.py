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


def test_vector_concats_share_a_buffer_too():
    """Found by benchmarks/random_graphs.py: concats of vectors ([N, C], no H and W) crashed -O1."""
    import resgraph

    graph = resgraph.loads("model m {\n    input x[16]\n    c = concat(x)\n    out = concat(x, c) -> linear(4)\n}\n")
    module = resgraph.compile(graph, seed=0).eval()
    gm, changes = run_pass(module, dense_buffer)
    assert len(changes) == 1 and "2 concats share one 32-channel buffer" in changes[0]
    assert "torch.cat" not in gm.code
    x = torch.randn(3, 16)
    torch.testing.assert_close(gm(x), module(x), rtol=0, atol=0)
    torch.testing.assert_close(resgraph.optimize(module, opt_level=1)(x), module(x), rtol=1e-6, atol=1e-6)
