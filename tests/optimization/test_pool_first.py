"""pool_first alone: an average pool moves before a pointwise conv; outputs stay."""

from __future__ import annotations

import torch

import resgraph
from resgraph.optimization.pool_first import pool_first

from tests.optimization.helpers import randomized, run_pass, same_outputs


def test_pool_first_moves_average_pools_before_pointwise_convs():
    m = randomized(resgraph.compile(resgraph.loads("""model m {
        input x[6, 9, 9]
        t = x -> bn -> relu -> tconv: conv(4, 1) -> tpool: avgpool(2, ceil_mode=true)
        out = t -> conv(5, 3, padding=1) -> avgpool(3, stride=1, padding=1) -> conv(3, 1) -> avgpool(2)
    }"""), seed=0))
    gm, changes = run_pass(m, pool_first)
    # the padded pool and the 3x3 conv stay; the last conv/pool pair swaps too
    assert changes == ["tpool moved before tconv (4x fewer conv multiply-adds)",
                       "out moved before conv_1 (4x fewer conv multiply-adds)"]
    order = [n.target for n in gm.graph.nodes if n.op == "call_module"]
    assert order.index("tpool") < order.index("tconv")
    same_outputs(m, gm, torch.randn(2, 6, 9, 9, generator=torch.Generator().manual_seed(3)), tol=1e-5)
