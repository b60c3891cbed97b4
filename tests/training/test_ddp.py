"""DistributedDataParallel over a compiled zoo model: 3 steps on 2 gloo processes (CPU) leave every
rank with the same parameters, equal to one process averaging the two halves' losses, and rank 0
saves them with resgraph.save_model."""

from __future__ import annotations

import torch
from tests.training import two_ranks
from torch.nn.parallel import DistributedDataParallel

import resgraph

STEPS = 3


def _ddp_worker(rank: int, saved: str) -> dict:
    m = two_ranks.model()
    init = {k: p.detach().clone() for k, p in m.named_parameters()}
    losses = two_ranks.train(m, DistributedDataParallel(m), rank, STEPS)
    if rank == 0:  # the wrapped module, not the DDP wrapper, is what resgraph saves
        resgraph.save_model(m, saved)
    params = {k: p.detach().clone() for k, p in m.named_parameters()}
    return {"init": init, "params": params, "losses": losses}


def test_ddp_ranks_end_with_identical_parameters(tmp_path):
    ranks = two_ranks.launch(_ddp_worker, tmp_path, str(tmp_path / "saved"))
    ref, ref_losses = two_ranks.reference(STEPS)
    first, second = (r["params"] for r in ranks)
    assert first.keys() == second.keys() and len(first) > 20
    for name in first:
        assert torch.equal(first[name], second[name]), f"{name} differs between ranks"
    assert any(not torch.equal(first[k], ranks[0]["init"][k]) for k in first), "training changed nothing"
    two_ranks.assert_close_to_reference(first, ref)
    for rank, r in enumerate(ranks):  # each rank saw its own half: the synced gradients, not the data, agree
        torch.testing.assert_close(r["losses"], [step[rank] for step in ref_losses], rtol=1e-4, atol=1e-5)
    assert ranks[0]["losses"] != ranks[1]["losses"]
    loaded = dict(resgraph.load_model(tmp_path / "saved").named_parameters())
    assert all(torch.equal(loaded[k], p) for k, p in first.items())
