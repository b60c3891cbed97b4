"""Two ops resgraph does not have, registered the way a plugin would (helpers, no tests).

`prod_test` is a merge with operands written as names, an edge kind of its own and its own style;
`tag_test` is a plain op whose output is a view of its input. Every drawing and analysis must
handle them from the registry alone: no reader may know their names.
"""

from __future__ import annotations

import operator
from contextlib import contextmanager

from pydantic import Field

from resgraph.ir.ops import registry
from resgraph.ir.ops.base import Attrs, EdgeStyle, NoAttrs, OpDef, ShapeMismatch

PROD_STYLE = EdgeStyle("#7b2cbf", "dotted", 1.8, "gate (prod_test)", "--o", 3, "#f3e8ff", "×")


class ProdTest(OpDef):
    name = "prod_test"
    attrs = NoAttrs
    min_inputs = 2
    max_inputs = None
    operands = "names"
    edge = "prod_test"
    edge_style = PROD_STYLE
    summary = "elementwise product, a [C, 1, 1] gate broadcast over the map"

    def infer(self, a, inputs, names):
        first = inputs[0]
        for t, name in zip(inputs[1:], names[1:]):
            if t.channels != first.channels or any(s not in (1, f) for s, f in zip(t.spatial, first.spatial)):
                raise ShapeMismatch(f"prod_test() cannot broadcast {name} {t} over {names[0]} {first}")
        return first

    def macs(self, a, inputs, out):
        n = out.numel()
        return None if n is None else n * (len(inputs) - 1)

    def saves(self, a, inputs, out):
        return ("input",)  # d(x*g)/dx = g and d(x*g)/dg = x: both operands

    def emit(self, b, a, inputs, types, out):
        acc = inputs[0]
        for x in inputs[1:]:
            acc = b.function(operator.mul, acc, x)
        return acc


class TagAttrs(Attrs):
    note: str = Field(default="", max_length=20)


class TagTest(OpDef):
    name = "tag_test"
    attrs = TagAttrs
    view = "always"  # returns its input itself
    summary = "passes its input through, with a note for the drawing"

    def emit(self, b, a, inputs, types, out):
        return inputs[0]


FOREIGN = (ProdTest, TagTest)

# A squeeze-and-excitation-like net: the gate's product is the only merge inside each block, and
# stands alone (two branches read it), so it is drawn as its own node.
SPEC = """
block gate(c: int) {
    f = in -> tag_test("gated") -> conv(c, 3, bias=false) -> bn
    g = in -> adaptive_avgpool(1) -> conv(c, 1) -> sigmoid
    out = prod_test(f, g)
}

model gated {
    input x[8, 16, 16]
    body = x -> blocks: gate(8) * 2
    s = add(body, x) -> relu
    out = s -> adaptive_avgpool(1) -> flatten -> fc: linear(4)
}
"""


@contextmanager
def registered():
    """The foreign ops in the registry for the duration, removed again after."""
    for cls in FOREIGN:
        registry.register(cls)
    try:
        yield
    finally:
        for cls in FOREIGN:
            registry._OPS.pop(cls.name, None)
            for alias in cls.aliases:
                registry._ALIASES.pop(alias, None)
