"""The limits of elaboration, and the budget that refuses a spec as soon as it would pass one.

A spec is a program: `* 1000` inside `for i in 1..=1000` inside a block called 1000 times is a
few characters. The budget counts steps, layers and edges as they are built, and a repetition is
refused after its first rounds when they show that all of them would pass a limit.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from ...errors import LimitError, Span, TypeError_
from ...ir import Graph
from .. import ast
from ..values import Evaluator, show, type_name

# Elaboration costs ~100 us a layer, ~10 us an edge and ~12 us a step on a 2-core CI machine: these
# keep the largest spec they allow within a few seconds. The largest zoo model, cifar_resnet1202,
# has 4,211 layers and takes 9,632 steps; densenet264 has 4,290 edges.
MAX_ITERATIONS = 100_000  # per loop or repetition
MAX_OPERANDS = 10_000  # names in a name range, operands of a merge (a dense block's concat has ~100)
MAX_NODES = 20_000
MAX_EDGES = 400_000
MAX_WORK = 200_000  # statements + elements + layers elaborated: stops runaway nested loops
MAX_DEPTH = 32  # block instances inside block instances
MAX_ERRORS = 100  # then stop: each error renders its source line, and the first ones matter most


class Counts(NamedTuple):
    """What is built so far; indexed in the order of `_LIMITS`."""

    layers: int
    edges: int
    steps: int


_LIMITS = (("layers", MAX_NODES), ("edges", MAX_EDGES), ("elaboration steps", MAX_WORK))


class OpenLoop(NamedTuple):
    """An enclosing repetition: the rounds it still has to run, and the counts its current one began at."""

    rounds_left: int
    start: Counts


class Budget:
    """Counts steps, layers and edges, refusing the spec with a located LimitError past a limit."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.steps = 0
        self.edges = 0
        self.open_loops: list[OpenLoop] = []

    def step(self, span: Span) -> None:
        self.steps += 1
        if self.steps > MAX_WORK:
            raise LimitError(f"the spec takes more than {MAX_WORK} elaboration steps", span,
                             hint="look for nested loops or repetitions that multiply")

    def add_layer(self, operands: int, span: Span) -> None:
        """Count one more layer with `operands` in-edges (and the step that builds it)."""
        if len(self.graph) >= MAX_NODES:
            raise LimitError(f"the graph has more than {MAX_NODES} layers", span)
        self.edges += operands
        if self.edges > MAX_EDGES:
            raise LimitError(f"the graph has more than {MAX_EDGES} edges", span)
        self.step(span)

    def counts(self) -> Counts:
        return Counts(len(self.graph.nx._node), self.edges, self.steps)  # the node dict's len is cheapest

    def repeat(self, n: int, span: Span, run: Callable[[int], None]) -> None:
        """Run `run(k)` for k < n, stopping as soon as the rounds so far show that n rounds overflow.

        A round is expected to add at least what the one before it added, unless it added less (a
        dense block's loop adds one more edge each round: `dense_block(10000, 12)` is refused after
        a few hundred rounds, not at its 4,000,000th edge); an enclosing loop's later rounds, what
        its current one adds (so a loop inside a loop is judged by its own first round).
        """
        if n > MAX_ITERATIONS:
            raise LimitError(f"{n} repetitions, more than the limit {MAX_ITERATIONS}", span)
        grew = None
        for k in range(n):
            before = self.counts()
            self.open_loops.append(OpenLoop(n - 1 - k, before))
            try:
                run(k)
            finally:
                self.open_loops.pop()
            now = self.counts()
            step = Counts(*(a - b for a, b in zip(now, before)))
            if step != grew:  # the same step as the round before predicts the same total
                self.refuse_overflow(now, step, n - 1 - k, grew, span)
            grew = step

    def refuse_overflow(self, now: Counts, step: Counts, rounds_left: int, grew: Counts | None,
                        span: Span) -> None:
        """Refuse when `rounds_left` more rounds of `step`, times the enclosing loops, pass a limit."""
        for i, (what, limit) in enumerate(_LIMITS):
            if grew is None or step[i] >= grew[i]:
                total = now[i] + step[i] * rounds_left
                for loop in reversed(self.open_loops):
                    total += (total - loop.start[i]) * loop.rounds_left
                if total > limit:
                    raise LimitError(f"this would build about {total} {what}, more than the limit "
                                     f"{limit}", span, hint="look for nested loops or repetitions that multiply")


def loop_items(ev: Evaluator, it) -> list:
    """What a for loop or a name range runs over: a range (at most MAX_ITERATIONS items) or a list."""
    if isinstance(it, ast.Range):
        start, end = ev(it.start), ev(it.end)
        for v, e in ((start, it.start), (end, it.end)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError_(f"a range bound must be an int, got {type_name(v)} {show(v)}", e.span)
        stop = end + 1 if it.inclusive else end
        if stop - start > MAX_ITERATIONS:
            raise LimitError(f"a range of {stop - start} items, more than the limit {MAX_ITERATIONS}",
                             it.span)
        return list(range(start, stop))
    items = ev(it)
    if not isinstance(items, (list, tuple)):
        raise TypeError_(f"a for loop runs over a range (1..=n) or a list, got {type_name(items)}",
                         it.span)
    return list(items)
