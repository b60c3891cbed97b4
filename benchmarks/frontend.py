"""Front-end timings: parse + elaborate + check, for the largest zoo spec and a 1000-layer dense block;
then the way back: Graph.to_rg() (with its verifying reload) and `resgraph fmt` of the zoo.

    python benchmarks/frontend.py

The dense block has ~500k concat edges: it shows that the cost is linear in nodes + edges.
"""

from __future__ import annotations

import time

import resgraph
from resgraph import zoo
from resgraph.syntax.fmt import format_text
from resgraph.syntax.parser import parse
from resgraph.syntax.printer import _flat

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
        timed(f"{name}.to_rg() (blocks kept, verified)", g.to_rg)
        text = timed(f"{name} flat text", lambda: _flat(g))
        timed(f"    ... loaded back ({len(text.splitlines())} lines)", lambda: resgraph.loads(text))
    timed("fmt of every zoo spec", lambda: [format_text(p.read_text(), str(p)) for p in zoo.spec_files()])


if __name__ == "__main__":
    main()
