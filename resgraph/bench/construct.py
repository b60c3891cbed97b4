"""Construction time, each in a fresh process: resgraph's spec → module against the eager constructor.

The first call in a process is what a user waits for (grammar loading, first-use costs included);
`warm_s` is the median of the calls after it. The last row is what -O1 adds before its passes:
inlining the block modules of a compiled module into one graph (backend/flatten.py).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

WHAT = ("eager constructor", "resgraph front end (load)", "resgraph compile (spec -> module)",
        "resgraph flatten (blocks -> one graph)")


def _call(what: str, name: str):
    import resgraph

    from .reference import reference

    if what == WHAT[0]:
        return lambda: reference(name)
    if what == WHAT[1]:
        return lambda: resgraph.load(name)
    if what == WHAT[2]:
        return lambda: resgraph.compile(name)
    from ..backend.flatten import flatten

    module = resgraph.compile(name)
    return lambda: flatten(module)


def measure(what: str, name: str, repeats: int) -> dict:
    fn = _call(what, name)
    times = []
    for _ in range(1 + repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"cold_s": times[0], "warm_s": statistics.median(times[1:])}


def in_fresh_process(what: str, name: str, repeats: int = 2) -> dict:
    args = [sys.executable, "-m", "resgraph.bench.construct", what, name, str(repeats)]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"construction probe for {name} / {what} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
