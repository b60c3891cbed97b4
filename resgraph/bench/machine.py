"""What the figures were measured on: versions, the CPU and its vector flags, and a measured peak.

A row's GFLOP/s means little without the machine's ceiling, so the run measures one: the best of a
few large square matmuls in float32 and in bfloat16, in the same process as the rows.
"""

from __future__ import annotations

import importlib
import os
import platform
from pathlib import Path

import torch

from . import reference as references
from .timing import CLOCKS

FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_int8")  # what decides a CPU's speed here
ENVIRONMENT = ("OMP_NUM_THREADS", "THP_MEM_ALLOC_ENABLE", "LD_PRELOAD")  # settings that move CPU figures
PEAK_SIZE = {"cpu": 2048, "cuda": 8192}  # matmul side: where GFLOP/s reach their plateau


def cpu_info(cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, dict[str, bool] | None]:
    """(model name, {flag: present} for FLAGS); the flags are None where /proc/cpuinfo is absent."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return platform.processor() or platform.machine(), None
    fields = dict(line.split(":", 1) for line in text.splitlines()[:40] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    present = set(fields.get("flags", "").split())
    return fields.get("model name", platform.machine()), {f: f in present for f in FLAGS}


def flags_text(flags: dict[str, bool] | None) -> str:
    if flags is None:
        return "unknown"
    has = [f for f in FLAGS if flags[f]]
    lacks = [f for f in FLAGS if not flags[f]]
    return " ".join(has) + (f" (no {', '.join(lacks)})" if lacks else "")


def peak_gemm(device: str, repeats: int = 5, clock: str = "wall") -> dict[str, float]:
    """{"fp32": GFLOP/s, "bf16": GFLOP/s}: the best of `repeats` n x n matmuls after a warm-up,
    timed by the clock the rows are (timing.CLOCKS)."""
    now = CLOCKS[clock]
    n = PEAK_SIZE["cuda" if device.startswith("cuda") else "cpu"]
    out = {}
    for label, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        g = torch.Generator().manual_seed(0)
        a, b = (torch.randn(n, n, generator=g).to(device=device, dtype=dtype) for _ in range(2))
        best = float("inf")
        for i in range(repeats + 1):
            _sync(device)
            start = now()
            torch.matmul(a, b)
            _sync(device)
            if i:  # the first is the warm-up
                best = min(best, now() - start)
        out[label] = 2 * n ** 3 / best / 1e9
    return out


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def machine(device: str, clock: str = "wall") -> dict:
    """The JSON's `machine` record: versions, CPU model and flags, threads, peak GEMM GFLOP/s."""
    model, flags = cpu_info()
    info = {"python": platform.python_version(), "torch": torch.__version__, "device": device,
            "cpu": model, "cpu flags": flags_text(flags), "threads": torch.get_num_threads()}
    for library in ("torchvision", "timm", "onnxruntime", "openvino"):
        if references.installed(library):
            info[library] = importlib.import_module(library).__version__
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name()
    info.update({name: os.environ[name] for name in ENVIRONMENT if name in os.environ})
    info["clock"] = clock
    info["peak GFLOP/s"] = {k: round(v, 1) for k, v in peak_gemm(device, clock=clock).items()}
    return info
