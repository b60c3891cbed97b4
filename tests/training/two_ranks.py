"""Two gloo processes on the CPU training a zoo model, and the one-process run they must equal.

Every process builds the same model (`seed=0`) and the same global batch; rank r trains on half r.
The reference runs both halves through one model and averages their losses: batch norm sees the
same 4-sample batches as in the two processes, so its gradients equal the averaged gradients
data parallelism applies. Running statistics are buffers, which each scheme keeps its own way:
parameters are what is compared.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

import resgraph

WORLD = 2
PER_RANK = 4
LR = 0.1
MODEL = "cifar_resnet20"


def model() -> nn.Module:
    return resgraph.compile(MODEL, seed=0)


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    """The global batch, the same in every process: one batch trained on repeatedly, so the loss
    must fall."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(WORLD * PER_RANK, 3, 32, 32, generator=g)
    return x, torch.randint(0, 10, (WORLD * PER_RANK,), generator=g)


def shard(rank: int) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = batch()
    part = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    return x[part], y[part]


def launch(worker, tmp_path: Path, *args) -> list[dict]:
    """Run `worker(rank, out_dir, *args)` in WORLD processes joined by a gloo group; each returns
    its results by writing `rank{r}.pt` in out_dir. A file store instead of a port: no port to race
    for on a shared machine."""
    mp.spawn(_entry, args=(worker, str(tmp_path / "store"), str(tmp_path), args), nprocs=WORLD, join=True)
    return [torch.load(tmp_path / f"rank{r}.pt") for r in range(WORLD)]


def _entry(rank: int, worker, store: str, out: str, args: tuple) -> None:
    torch.set_num_threads(1)  # two processes on two shared cores
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD)
    try:
        torch.save(worker(rank, *args), Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def train(m: nn.Module, step_module: nn.Module, rank: int, steps: int) -> list[float]:
    """SGD on this rank's half of the batch; `step_module` is what is called (the DDP wrapper or
    the sharded model itself), `m` holds the parameters."""
    x, y = shard(rank)
    opt = torch.optim.SGD(m.parameters(), lr=LR)
    losses = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(step_module(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def reference(steps: int) -> tuple[dict[str, torch.Tensor], list[list[float]]]:
    """One process: parameters after `steps`, and each step's loss on each rank's half."""
    torch.set_num_threads(1)
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=LR)
    losses = []
    for _ in range(steps):
        halves = [nn.functional.cross_entropy(m(x), y) for x, y in map(shard, range(WORLD))]
        opt.zero_grad()
        (sum(halves) / WORLD).backward()
        opt.step()
        losses.append([h.item() for h in halves])
    return {k: p.detach().clone() for k, p in m.named_parameters()}, losses


def assert_close_to_reference(params: dict[str, torch.Tensor], ref: dict[str, torch.Tensor]) -> None:
    assert params.keys() == ref.keys()
    for name, p in params.items():
        torch.testing.assert_close(p, ref[name], rtol=1e-4, atol=1e-5, msg=lambda m, n=name: f"{n}: {m}")
