"""Front-end timings: parse + elaborate + check, for the largest zoo spec and a 1000-layer dense block;
then the way back: to_rg(graph) (with its verifying reload) and `resgraph fmt` of the zoo.

    python benchmarks/frontend.py            # the timings below
    python benchmarks/frontend.py --scaling  # cost against size, and what hostile input costs

The dense block has ~500k concat edges: it shows that the cost is linear in nodes + edges.
The scaling run measures each case in a fresh process (CPU seconds, peak RSS).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import resgraph
from resgraph import zoo
from resgraph.syntax.fmt import format_text
from resgraph.syntax.parser import parse
from resgraph.syntax.unparse import _flat

DENSE = """
block dense_layer(k: int) {
    out = in -> norm1: bn -> relu1: relu -> conv1: conv(4 * k, 1, bias=false)
             -> norm2: bn -> relu2: relu -> conv2: conv(k, 3, bias=false)
}
block dense_block(n: int, k: int) {
    for i in 1..=n {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: dense_layer(k)
    }
    out = concat(in, h{1..=n})
}
model wide(n: int = 1000) {
    input x[16, 8, 8]
    out = x -> features: dense_block(n, 1)
}
"""


def timed(label: str, fn) -> object:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    timed("grammar load + first parse", lambda: parse("model m { input x[3]\n out = x }"))
    for name in ("resnet50", "densenet264", "densenet264"):
        try:
            g = timed(f"{name} (zoo) front end", lambda: resgraph.load(name))
            print(f"    {len(g)} nodes, {g.nx.number_of_edges()} edges")
        except resgraph.ResgraphError as exc:
            print(f"    {name}: {exc.message}")
    for n in (250, 500, 1000):
        g = timed(f"dense block of {n} layers", lambda: resgraph.loads(DENSE, n=n))
        print(f"    {len(g)} nodes, {g.nx.number_of_edges()} edges")
    for name in ("resnet152", "densenet264"):
        g = resgraph.load(name)
        timed(f"to_rg({name}) (blocks kept, verified)", lambda: resgraph.to_rg(g))
        text = timed(f"{name} flat text", lambda: _flat(g))
        timed(f"    ... loaded back ({len(text.splitlines())} lines)", lambda: resgraph.loads(text))
    timed("fmt of every zoo spec", lambda: [format_text(p.read_text(), str(p)) for p in zoo.spec_files()])


def _lets(n: int) -> str:
    return "model m {\n    input x[3]\n" + "".join(f"    let v{i} = {i}\n" for i in range(n)) + "    out = x\n}\n"


def _chain(n: int) -> str:
    return "model m {\n    input x[3]\n" + "".join(f"    h{i} = h{i - 1} -> relu\n" for i in range(1, n + 1)) \
        .replace("h0 ", "x ") + f"    out = h{n}\n}}\n"


_DENSE_ZOO = "import densenet_blocks\nmodel m {{\n    input x[64, 8, 8]\n    out = x -> dense_block({n}, 12)\n}}\n"
_MODEL = "model m {{\n    input x[3]\n    {}\n    out = x\n}}\n"
CASES = {
    **{f"{n} let lines": lambda n=n: _lets(n) for n in (2500, 5000, 10000, 20000)},
    **{f"{n}-layer chain, one line each": lambda n=n: _chain(n) for n in (1000, 2000, 4000, 8000)},
    **{f"zoo dense_block({n}, 12)": lambda n=n: _DENSE_ZOO.format(n=n) for n in (100, 200, 400, 800)},
    # hostile input: each should be refused within 2 s and 500 MiB
    "concat(x, h{1..=10000}_{1..=10000})": lambda: _MODEL.format("out2 = concat(x, h{1..=10000}_{1..=10000})"),
    "concat(x, h{1..=100000}_{1..=100000})": lambda: _MODEL.format("out2 = concat(x, h{1..=100000}_{1..=100000})"),
    "zoo dense_block(10000, 12)": lambda: _DENSE_ZOO.format(n=10000),
    "10 MB of let lines": lambda: _lets(625_000),
    "100 MB of let lines": lambda: _lets(6_250_000),
    "1 MB line: a list of 1s": lambda: _MODEL.format("let v = [" + "1," * 500_000 + "]"),
}


def one(label: str) -> None:
    """Load one case in this (fresh) process and print CPU seconds, peak RSS and the outcome."""
    parse("model m { input x[3]\n out = x }")  # the grammar load is not the case's cost
    text = CASES[label]()
    start = time.process_time()
    try:
        g = resgraph.loads(text)
        out = f"{len(g)} nodes, {g.nx.number_of_edges()} edges"
    except resgraph.ResgraphError as exc:
        out = "refused: " + exc.message
    print(json.dumps({"cpu": time.process_time() - start, "out": out, "chars": len(text),
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def scaling() -> None:
    """Valid specs at 1x..8x their size (cost should double with size), then hostile input."""
    print(f"{'input':<40} {'chars':>12} {'CPU s':>6} {'peak RSS MiB':>13}  outcome")
    for label in CASES:
        done = subprocess.run([sys.executable, __file__, "--one", label], capture_output=True, text=True,
                              check=True)
        r = json.loads(done.stdout)
        print(f"{label:<40} {r['chars']:>12,} {r['cpu']:>6.2f} {r['rss']:>13.0f}  {r['out'][:58]}")


if __name__ == "__main__":
    if "--one" in sys.argv:
        one(sys.argv[sys.argv.index("--one") + 1])
    else:
        scaling() if "--scaling" in sys.argv else main()
