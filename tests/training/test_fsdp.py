"""FSDP2 (`fully_shard`) over a compiled zoo model on 2 gloo processes (CPU): each block, group and
repetition sharded on its own, then the root, as FSDP is meant to wrap a model (one all-gather per
block, freed after it). The loss falls, and the gathered parameters equal one process averaging
the two halves' losses, and so does the model rank 0 saves from the gathered state dict."""

from __future__ import annotations

import torch
from tests.training import two_ranks
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
from torch.distributed.fsdp import fully_shard

import resgraph

STEPS = 4


def _fsdp_worker(rank: int, saved: str) -> dict:
    m = two_ranks.model()
    scopes = m.meta["resgraph"]["graph"].scopes
    for path in sorted(scopes, key=lambda p: -p.count(".")):  # inner scopes first, then theirs
        fully_shard(m.get_submodule(path))
    fully_shard(m)
    losses = two_ranks.train(m, m, rank, STEPS)
    params = {k: p.full_tensor().detach().clone() for k, p in m.named_parameters()}  # a collective
    full = get_model_state_dict(m, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
    if rank == 0:  # whole tensors into an unsharded module of the same spec, then resgraph's save
        plain = two_ranks.model()
        plain.load_state_dict(full)
        resgraph.save_model(plain, saved)
    return {"params": params, "losses": losses, "sharded": len(scopes)}


def test_fsdp2_per_block_trains_like_one_process(tmp_path):
    ranks = two_ranks.launch(_fsdp_worker, tmp_path, str(tmp_path / "saved"))
    ref, ref_losses = two_ranks.reference(STEPS)
    assert ranks[0]["sharded"] > 6  # blocks, their stages and repetitions
    for rank, r in enumerate(ranks):
        assert r["losses"][-1] < r["losses"][0]
        torch.testing.assert_close(r["losses"], [step[rank] for step in ref_losses], rtol=1e-4, atol=1e-5)
        two_ranks.assert_close_to_reference(r["params"], ref)
    two_ranks.assert_close_to_reference(dict(resgraph.load_model(tmp_path / "saved").named_parameters()), ref)
