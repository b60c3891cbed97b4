"""Forward and backward wall-clock time of the compiled module on this machine (training mode)."""

from __future__ import annotations

import statistics
import time

from ...ir import Graph

REPEATS = 5


def forward_backward_seconds(graph: Graph, *, batch_size: int = 1, seed: int = 0,
                             device: str = "cpu") -> tuple[float, float]:
    """Median forward and backward seconds over REPEATS runs, after one warm-up run."""
    import torch

    from ...backend.fx import build_module
    from .gradients import random_input

    module = build_module(graph, seed=seed).to(device)
    module.train()
    x = random_input(graph, batch_size, torch.Generator().manual_seed(seed)).to(device)
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    forward, backward = [], []
    for i in range(REPEATS + 1):
        module.zero_grad(set_to_none=True)
        sync()
        t0 = time.perf_counter()
        out = module(x)
        sync()
        t1 = time.perf_counter()
        out.float().square().mean().backward()
        sync()
        t2 = time.perf_counter()
        if i:  # the first run warms up allocators and kernels
            forward.append(t1 - t0)
            backward.append(t2 - t1)
    return statistics.median(forward), statistics.median(backward)
