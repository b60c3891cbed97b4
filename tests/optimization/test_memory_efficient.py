"""memory_efficient alone: recomputing in backward gives the plain module's gradients."""

from __future__ import annotations

import copy

import pytest
import torch

from resgraph.optimization.memory_efficient import memory_efficient

from tests.optimization.helpers import run_pass, X16


def test_memory_efficient_gradients_equal_the_plain_module(dense):
    plain = copy.deepcopy(dense).train()
    gm, changes = run_pass(plain, memory_efficient)
    assert len(changes) == 3
    x = X16.clone()
    losses = []
    for m in (plain, gm):
        m.zero_grad()
        torch.manual_seed(0)
        loss = m(x).square().sum()
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for (name, p), q in zip(plain.named_parameters(), gm.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-5, msg=name)
    for (name, b), c in zip(plain.named_buffers(), gm.buffers()):  # running statistics updated alike
        torch.testing.assert_close(c, b, msg=name)
