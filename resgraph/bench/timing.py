"""Interleaved timing: every variant runs once per round, so machine drift hits all of them alike.

Ratios are taken within a round (variant time / baseline time in the same round) and the median
of those is reported, which is steadier than a ratio of medians when the machine drifts.
The clock is wall time, or with clock="cpu" the process's CPU time: on a shared machine that
counts what a variant computes, not the time others held the cores (meaningful with one thread:
with more, it also counts the threads' spin-waiting).
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import torch


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


CLOCKS = {"wall": lambda: time.perf_counter(), "cpu": lambda: time.process_time()}  # read when called


def interleaved(variants: dict[str, Callable[[], object]], *, baseline: str, repeats: int, warmup: int,
                device: str, progress: Callable[[str], None] = lambda s: None,
                clock: str = "wall") -> dict[str, dict]:
    """{name: {"median_s", "ratio", "times"}} for each variant (a callable running one step)."""
    for i in range(warmup):
        for name, fn in variants.items():
            progress(f"warm-up {i + 1}/{warmup}: {name}")
            fn()
            sync(device)
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(repeats):
        progress(f"round {r + 1}/{repeats}")
        order = names[r % len(names):] + names[: r % len(names)]  # rotate who runs first
        for name in order:
            sync(device)
            start = CLOCKS[clock]()
            variants[name]()
            sync(device)
            times[name].append(CLOCKS[clock]() - start)
    base = times[baseline]
    return {
        name: {
            "median_s": statistics.median(ts),
            "ratio": statistics.median(t / b for t, b in zip(ts, base)),
            "times": ts,
        }
        for name, ts in times.items()
    }
