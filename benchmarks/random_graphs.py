"""The long random-graph profile: thousands of random valid graphs from every registered op, each
printed and loaded back, compiled at -O0 and compared with -O1 (with and without oneDNN), and every
`--standalone-every`-th one run as standalone code without resgraph (in batches, one subprocess each).

    python benchmarks/random_graphs.py --graphs 2000 --seed 0 --save-failures /tmp/random-graph-failures

Graph i is tests/ir/random_graphs.py's `random_graph(random.Random(seed * 1_000_003 + i))`, so a
failure replays alone with `--seed S --only I`. Prints the ops, examples and edge kinds covered
and the failures; a failure is saved as its .rg text with the error; exits 1 if any graph failed.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import torch  # noqa: E402

import resgraph  # noqa: E402
from tests.ir import random_graphs as rg  # noqa: E402


def graph_seed(seed: int, i: int) -> int:
    return seed * 1_000_003 + i


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--graphs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", type=int, help="run only graph number ONLY of this seed")
    p.add_argument("--standalone-every", type=int, default=10, metavar="N",
                   help="run every N-th graph as standalone code too (0: none)")
    p.add_argument("--save-failures", type=Path, metavar="DIR", help="write each failing graph's .rg and error here")
    a = p.parse_args()
    torch.set_num_threads(1)

    indices = [a.only] if a.only is not None else range(a.graphs)
    ops, examples, kinds, failures = collections.Counter(), collections.Counter(), collections.Counter(), []
    nodes, pending, expected = 0, {}, {}
    start = time.monotonic()

    def fail(i: int, text: str, error: str) -> None:
        failures.append((i, text, error))
        if a.save_failures:
            a.save_failures.mkdir(parents=True, exist_ok=True)
            (a.save_failures / f"graph-{a.seed}-{i}.rg").write_text(
                f"# python benchmarks/random_graphs.py --seed {a.seed} --only {i}\n"
                + "".join(f"# {line}\n" for line in error.splitlines()) + text)

    def run_standalone() -> None:
        with tempfile.TemporaryDirectory() as d:
            try:
                got = rg.standalone_outputs({str(i): case for i, (case, _) in pending.items()}, Path(d))
                for i, (_, text) in pending.items():
                    try:
                        torch.testing.assert_close(got[str(i)], expected[i])
                    except AssertionError as exc:
                        fail(i, text, f"standalone: {exc}")
            except AssertionError as exc:  # the subprocess failed: find the graph on its own
                for i, (case, text) in pending.items():
                    try:
                        rg.standalone_outputs({str(i): case}, Path(d))
                    except AssertionError:
                        fail(i, text, f"standalone: {exc}")
        pending.clear()

    for n, i in enumerate(indices):
        made = rg.random_graph(random.Random(graph_seed(a.seed, i)))
        text = resgraph.to_rg(made.graph)
        ops.update(made.ops)
        examples.update(made.examples)
        kinds.update(kind for _, _, kind, _ in made.graph.edges())
        nodes += len(made.graph.nx)
        try:
            rg.reload_text(made.graph)
            module, x = rg.compiled(made.graph)
            out = rg.same_as_O0(made.graph, module, x)
        except Exception:  # noqa: BLE001  (every failure is counted and saved)
            fail(i, text, traceback.format_exc(limit=4))
            continue
        if a.standalone_every and (a.only is not None or i % a.standalone_every == 0):
            pending[i], expected[i] = ((module, x), text), out
            if len(pending) >= 25:
                run_standalone()
        if (n + 1) % 250 == 0:
            print(f"  {n + 1}/{len(indices)} in {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    if pending:
        run_standalone()

    took = time.monotonic() - start
    every = {op.name for op in rg.ops_with_examples()}
    every_example = {e for op in rg.ops_with_examples() for e in op.examples}
    print(f"{len(indices)} graphs ({nodes} layers) in {took:.0f} s, seed {a.seed}: {len(failures)} failed")
    print(f"ops used: {len(set(ops) & every)}/{len(every)}; never: {sorted(every - set(ops)) or 'none'}")
    print("  " + ", ".join(f"{k} {v}" for k, v in ops.most_common()))
    print(f"examples used: {len(set(examples) & every_example)}/{len(every_example)}; never: "
          f"{sorted(every_example - set(examples)) or 'none'}")
    print("edge kinds: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    print(f"standalone: every {a.standalone_every}-th graph" if a.standalone_every else "standalone: off")
    for i, text, error in failures[:20]:
        print(f"\n--- graph {i} (--seed {a.seed} --only {i}): {error.strip().splitlines()[-1]}\n{text}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
