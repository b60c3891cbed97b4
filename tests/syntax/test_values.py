"""Values check passes are values compile can use: no float overflows to inf, no bool taken as a number."""

import re

import pytest

import resgraph
from resgraph.errors import LimitError, TypeError_
from resgraph.ir.ops.base import Attrs, OpDef


def spec(let: str, layer: str = "relu") -> str:
    return f"model m(p: float = 0.5) {{\n  input x[3, 8, 8]\n  let v = {let}\n  out = x -> {layer}\n}}\n"


def test_a_float_literal_beyond_the_float_range_is_refused_at_the_literal():
    with pytest.raises(LimitError, match="number too large for a float") as exc:
        resgraph.loads("model m(p: float = 1e400) {\n  input x[3, 8, 8]\n  out = x -> relu\n}\n", path="f.rg")
    d = exc.value.diagnostics[0]
    assert (d.span.source.path, d.span.line, d.span.col, d.span.end_col) == ("f.rg", 1, 20, 25)


@pytest.mark.parametrize("expr,op", [("1e308 * 10", "*"), ("1e308 + 1e308", "+"), ("-1e308 - 1e308", "-"),
                                     ("1 / 5e-324", "/"), ("1e308 // 1e-308", "//")])
def test_float_arithmetic_that_overflows_is_refused_at_the_expression(expr, op):
    with pytest.raises(LimitError, match=re.escape(f"the result of '{op}' is too large for a float")) as exc:
        resgraph.loads(spec(expr))
    span = exc.value.diagnostics[0].span
    assert (span.line, span.col, span.end_col) == (3, 11, 11 + len(expr))


@pytest.mark.parametrize("expr", ["1e-400", "1e308 * 1.5 / 2", "1.7e308 + 1e292", "5e-324 / 2", "0.5 * p"])
def test_large_small_and_underflowing_floats_stay_legal(expr):
    resgraph.loads(spec(expr))


@pytest.mark.parametrize("call", ["conv(true, 3)", "conv(4, true)", "linear(true)", "dropout(true)",
                                  "maxpool(2, true)"])
def test_a_bool_is_not_a_number_for_an_attribute(call):
    layer = "flatten -> " + call if call.startswith("linear") else call
    with pytest.raises(TypeError_, match="expects") as exc:
        resgraph.loads(spec("0", layer), path="b.rg")
    d = exc.value.diagnostics[0]
    assert (d.span.source.path, d.span.line) == ("b.rg", 4)


def test_bool_typed_attributes_still_take_bools():
    g = resgraph.loads(spec("0", "conv(4, 3, bias=false) -> bn(zero_init=true) -> relu"))
    conv = next(n for n in g if g.op(n) == "conv")
    assert g.attrs(conv).bias is False


def test_a_field_typed_int_or_bool_keeps_the_bool():
    class FlagAttrs(Attrs):
        mode: int | bool = 0
        size: int = 1

    class Flag(OpDef):
        name = "flag"
        attrs = FlagAttrs

    assert Flag().bind([True], {}).mode is True and Flag().bind([2], {}).mode == 2
    with pytest.raises(TypeError_, match="flag\\(\\): size expects a number, got true or false"):
        Flag().bind([], {"size": True})
