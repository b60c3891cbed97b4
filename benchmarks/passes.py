"""What each level-1 pass buys: -O1 against -O1 without that pass, interleaved in one process.

    python benchmarks/passes.py densenet121 --batch 16 --skip fold_bn_relu pool_first

Each skipped pass gives one variant ("-O1 without NAME"); ratios are to -O0 in the same round,
median over rounds, like `benchmarks/run.py`. Without --skip every pass of the pipeline is tried.
"""

from __future__ import annotations

import argparse

import torch

import resgraph
from resgraph.bench.reference import ours, reference
from resgraph.bench.timing import interleaved
from resgraph.optimization.pipeline import INFERENCE


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", help="zoo model with an eager reference, e.g. resnet50")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--skip", nargs="*", default=[name for name, _ in INFERENCE], help="passes to leave out, one at a time")
    a = p.parse_args()
    torch.manual_seed(0)
    base = ours(a.model, reference(a.model).state_dict()).eval().to(a.device)
    x = torch.randn(a.batch, 3, a.size, a.size, generator=torch.Generator().manual_seed(0)).to(a.device)
    modules = {"-O0": base, "-O1": resgraph.optimize(base, opt_level=1)}
    modules.update({f"-O1 without {name}": resgraph.optimize(base, opt_level=1, skip=[name]) for name in a.skip})

    def step(m):
        def run():
            with torch.no_grad():
                m(x)
        return run

    rows = interleaved({k: step(m) for k, m in modules.items()}, baseline="-O0", repeats=a.repeats, warmup=1,
                       device=a.device, progress=lambda s: print(f"  {s}", flush=True))
    print(f"\n{a.model}, batch {a.batch}, {a.size}x{a.size}, eval (ratio to -O0, median of per-round ratios)")
    for name, r in rows.items():
        print(f"  {name:<32} {r['median_s'] * 1e3:9.1f} ms  {r['ratio']:.3f}")


if __name__ == "__main__":
    main()
