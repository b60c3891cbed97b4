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
    name = fields.get("model name", platform.machine())
    if "cpu family" in fields and "model" in fields:  # a VM may hide the model number in the name
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name, {f: f in present for f in FLAGS}


def flags_text(flags: dict[str, bool] | None) -> str:
    if flags is None:
        return "unknown"
    has = [f for f in FLAGS if flags[f]]
    lacks = [f for f in FLAGS if not flags[f]]
    return " ".join(has) + (f" (no {', '.join(lacks)})" if lacks else "")


def peak_gemm(device: str, repeats: int = 5, clock: str = "wall") -> dict[str, float]:
    """{"fp32": GFLOP/s, "bf16": GFLOP/s}: the best of `repeats` n x n x n products after a warm-up,
    timed by the clock the rows are (timing.CLOCKS). On the CPU each precision takes the faster of
    torch.matmul (MKL, which runs its AVX2 code on AMD CPUs) and the same product as a oneDNN 1x1
    convolution (the kernels the rows run)."""
    n = PEAK_SIZE["cuda" if device.startswith("cuda") else "cpu"]
    out = {}
    for label, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        g = torch.Generator().manual_seed(0)
        a, b = (torch.randn(n, n, generator=g).to(device=device, dtype=dtype) for _ in range(2))
        products = [lambda: torch.matmul(a, b)]
        if device == "cpu" and torch.backends.mkldnn.is_available():
            products.append(_onednn_product(a, b))
        best = min(_best(product, repeats, device, CLOCKS[clock]) for product in products)
        out[label] = 2 * n ** 3 / best / 1e9
    return out


def _onednn_product(a: torch.Tensor, b: torch.Tensor):
    """a @ b as a 1x1 convolution: a's rows are the pixels of a [1, n, 32, n/32] NHWC map."""
    n = a.shape[0]
    x = a.t().reshape(1, n, 32, n // 32).contiguous(memory_format=torch.channels_last)
    args = ([0, 0], [1, 1], [1, 1], 1)
    w = b.t().reshape(n, n, 1, 1).contiguous(memory_format=torch.channels_last)
    w = torch.ops.mkldnn._reorder_convolution_weight(w, *args, list(x.shape))
    return lambda: torch.ops.mkldnn._convolution_pointwise(x, w, None, *args, "none", [], "")


def _best(product, repeats: int, device: str, now) -> float:
    best = float("inf")
    with torch.no_grad():
        for i in range(repeats + 1):
            _sync(device)
            start = now()
            product()
            _sync(device)
            if i:  # the first is the warm-up
                best = min(best, now() - start)
    return best


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
