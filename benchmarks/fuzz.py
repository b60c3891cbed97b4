"""The long fuzz profile: thousands of mutants of every shipped spec, each loaded in a worker
subprocess under a CPU-time limit (5 s), a hang limit and an address-space cap (1 GiB).

    python benchmarks/fuzz.py --mutants 10000 --seed 0 --workers 2 --save-failures /tmp/fuzz-failures
    python benchmarks/fuzz.py --seed 11 --only 68          # replay one mutant (the suite uses seed 11)

Counts valid mutants, located errors, unlocated errors, crashes (any other exception, a dead
worker) and slow answers; exits 1 if any mutant failed. The mutations, the targets (every model
of every file, block libraries through their importers) and the checks are tests/syntax/test_fuzz.py's.
A saved failure is a folder with the staged specs and README.txt saying how to reproduce it.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.syntax import test_fuzz as fz  # noqa: E402

CATEGORIES = ("valid", "located", "unlocated", "crash", "slow")


def save(directory: Path, n: int, job: dict, kind: str, detail: str) -> Path:
    """A failure as a self-contained folder: the staged specs with the mutant in place."""
    folder = directory / f"{kind}-{n:03d}"
    shutil.rmtree(folder, ignore_errors=True)
    stage = fz.Stage(folder)
    stage.write(stage.path(job["mutated"]), job["text"])
    entry = fz.staged_name(job["entry"]) + (f":{job['model']}" if job["model"] else "")
    (folder / "README.txt").write_text(
        f"{fz.describe(job)}\n\nreproduce: cd {folder} && resgraph check {entry}\n"
        f"      or: python benchmarks/fuzz.py --seed {job['seed']} --only {job['index']}\n\n{detail}\n",
        encoding="utf-8", errors="backslashreplace")
    return folder


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mutants", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", type=int, help="run only mutant number ONLY of this seed")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--save-failures", type=Path, metavar="DIR", help="write up to --keep examples of each failure kind here")
    p.add_argument("--keep", type=int, default=10, help="examples saved per failure kind")
    a = p.parse_args()

    todo = fz.jobs(a.seed, a.mutants if a.only is None else a.only + 1)
    if a.only is not None:
        todo = todo[-1:]
    start = time.monotonic()

    def progress(done: int, total: int) -> None:
        if done % 500 == 0:
            print(f"  {done}/{total} in {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)

    results = fz.run_jobs(todo, workers=a.workers, progress=progress)
    took = time.monotonic() - start
    counts = collections.Counter(r[1] for r in results)
    by_kind = collections.defaultdict(collections.Counter)
    for job, kind, _, _ in results:
        by_kind[job["kind"]][kind] += 1

    print(f"{len(results)} mutants of {len(fz.shipped_specs())} shipped files ({len(fz.targets())} targets), "
          f"seed {a.seed}, {a.workers} workers, {took:.0f} s ({len(results) / took:.1f}/s)")
    for kind in CATEGORIES:
        print(f"  {kind:<10} {counts[kind]:>6}  {100 * counts[kind] / max(1, len(results)):5.1f}%")
    print(f"\n  {'mutation':<18}" + "  ".join(f"{c:>9}" for c in CATEGORIES))
    for mutation, c in sorted(by_kind.items()):
        print(f"  {mutation:<18}" + "  ".join(f"{c[k]:>9}" for k in CATEGORIES))

    times = sorted(r[3] for r in results)
    print(f"\nCPU seconds per mutant: median {times[len(times) // 2]:.3f}, 99th percentile "
          f"{times[int(0.99 * (len(times) - 1))]:.3f}, max {times[-1]:.3f}; slowest:")
    for job, kind, _, secs in sorted(results, key=lambda r: -r[3])[:5]:
        print(f"  {secs:6.2f} s  {kind:<9} {fz.describe(job)[:160]}".encode("ascii", "backslashreplace").decode())

    failures = [r for r in results if r[1] not in fz.OK]
    saved = collections.Counter()
    for job, kind, detail, _ in failures:
        if saved[kind] >= a.keep:
            continue
        saved[kind] += 1
        first = detail.strip().splitlines()[-1] if kind == "crash" else detail.split("\n", 1)[0]
        print(f"\n{kind}: {fz.describe(job)}\n    {first[:300]}".encode("ascii", "backslashreplace").decode())
        if a.save_failures:
            print(f"    saved in {save(a.save_failures, saved[kind], job, kind, detail)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
