"""Peak memory of one training step, each variant in a fresh process so none inherits another's heap.

CPU: the process's peak resident set (VmHWM) over the step, above its resident set just before,
after a warm-up step and a reset of the peak (/proc/self/clear_refs). glibc is told to serve every
large block with mmap, so freed tensors leave the resident set and the peak is the allocator's.
CUDA: torch.cuda.max_memory_allocated over the step, above the memory allocated before it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def measure(name: str, variant: str, batch: int, size: int, device: str) -> dict:
    """Run in the child: {"peak_mb": memory above the pre-step level at the step's peak}."""
    import gc

    import torch

    from .variants import train_step, training_module

    torch.manual_seed(0)
    step = train_step(training_module(name, variant, device), batch, size, device)
    step()  # warm-up: lazy allocations (momentum buffers, oneDNN caches) happen here
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        step()
        torch.cuda.synchronize()
        return {"peak_mb": (torch.cuda.max_memory_allocated() - before) / 2**20, "how": "cuda max_memory_allocated"}
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak resident set to the current one
    before = _status_kb("VmRSS")
    step()
    return {"peak_mb": (_status_kb("VmHWM") - before) / 1024, "how": "peak RSS (VmHWM) above pre-step RSS"}


def in_fresh_process(name: str, variant: str, batch: int, size: int, device: str) -> dict:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    args = [sys.executable, "-m", "resgraph.bench.memory", name, variant, str(batch), str(size), device]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"memory probe for {name} / {variant} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    model, which, b, s, dev = sys.argv[1:6]
    print(json.dumps(measure(model, which, int(b), int(s), dev)))
