"""Compile-time values: evaluating the expressions of a spec (sizes, flags, lists) with limits.

Values are Python ints, floats, bools, strings, None, lists and tuples. Arithmetic is strict
(no bools as numbers, no string repetition) and bounded, so a hostile spec cannot make the front end
allocate a huge integer or list.
"""

from __future__ import annotations

import math
import operator
import re
import reprlib
from typing import Any, Callable, Iterator

from ..errors import GraphError, LimitError, NameError_, Span, TypeError_, did_you_mean
from . import ast

MAX_INT = 1 << 63
MAX_LIST = 100_000  # items in a list, those of the lists inside it counted too
MAX_STR = 100_000  # characters in a string built by '+'
MAX_DEPTH = 64  # lists inside lists, like the parser's MAX_NESTING
SHOWN = 200  # characters of a value that a message shows

TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,), "float": (float, int), "bool": (bool,), "str": (str,), "list": (list, tuple),
}


def type_name(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", tuple: "list",
            type(None): "none"}.get(type(value), type(value).__name__)


def string_literal(text: str) -> str:
    """`text` as a one-line .rg string literal: the inverse of the parser's unquoting."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def value_text(v: Any) -> str:
    """A compile-time value (a parameter, an attribute) as .rg text, in full (specs are written with it)."""
    return "".join(_pieces(v, exact=True))


def show(value: Any) -> str:
    """A value the way a spec writes it, for messages: cut after SHOWN characters with '…', having
    looked at no more of the value than that (a list of 10**9 shared items is not printed first)."""
    text = ""
    for piece in _pieces(value, exact=False):
        text += piece
        if len(text) > SHOWN:
            return text[:SHOWN] + "…"
    return text


def _pieces(v: Any, exact: bool) -> Iterator[str]:
    """value_text's text piece by piece; not `exact`, what .rg cannot write is shown as Python shows it."""
    if v is True or v is False:
        yield "true" if v else "false"
    elif v is None:
        yield "none"
    elif isinstance(v, int):
        yield str(v)
    elif isinstance(v, float):
        text = repr(v)
        if exact and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", text):
            raise GraphError(f"the value {text} cannot be written in .rg", hint="use a finite number")
        yield text
    elif isinstance(v, str):
        yield string_literal(v if exact else v[:SHOWN + 1])
    elif isinstance(v, (list, tuple)):
        yield "[" if isinstance(v, list) else "("
        for i, x in enumerate(v):
            if i:
                yield ", "
            yield from _pieces(x, exact)
        yield "]" if isinstance(v, list) else ("," if len(v) == 1 else "") + ")"
    elif exact:
        raise GraphError(f"a {type(v).__name__} value cannot be written in .rg",
                         hint="parameters and attributes are numbers, booleans, strings, none or lists")
    else:
        yield reprlib.repr(v)


def coerce(value: Any, typ: str | None, what: str, span: Span | None) -> Any:
    """Check a value against a declared parameter type (`float` accepts ints)."""
    if typ is None:
        return value
    ok = TYPES[typ]
    if isinstance(value, bool) and bool not in ok:
        ok = ()
    if not isinstance(value, ok):
        raise TypeError_(f"{what} expects {typ}, got {type_name(value)} {show(value)}", span)
    if typ == "float":
        return float(value)
    if typ == "list":
        return list(value)
    return value


def check_type_name(typ: str | None, span: Span) -> None:
    if typ is not None and typ not in TYPES:
        raise NameError_(f"unknown type '{typ}'", span,
                         hint=did_you_mean(typ, TYPES) or f"types are: {', '.join(TYPES)}")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bounded(v: Any, span: Span) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and not -MAX_INT <= v <= MAX_INT:
        raise LimitError(f"integer {'too large' if v > 0 else 'too small'}: beyond ±2^63", span,
                         hint="sizes in a network are far smaller; check the arithmetic")
    if isinstance(v, str) and len(v) > MAX_STR:
        raise LimitError(f"string of {len(v):,} characters, more than the limit {MAX_STR:,}", span)
    if isinstance(v, (list, tuple)):
        n = _items(v, span)
        if n > MAX_LIST:
            inner = " (counting those of the lists inside)" if n > len(v) else ""
            raise LimitError(f"list of {n} items{inner}, more than the limit {MAX_LIST}", span)
    return v


def _items(v: list | tuple, span: Span) -> int:
    """How many items `v` holds, nested lists counted in full: ten references to one list are ten
    lists to print or save. Each distinct list is counted once, so `[a, a, a]` costs no more than `a`
    (and every list was bounded when built, so neither does anything else)."""
    sizes: dict[int, int] = {}

    def count(seq: list | tuple, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise LimitError(f"lists nested more than {MAX_DEPTH} deep", span)
        if id(seq) not in sizes:
            sizes[id(seq)] = len(seq) + sum(count(x, depth + 1) for x in seq if isinstance(x, (list, tuple)))
        return sizes[id(seq)]

    return count(v, 1)


def _power(a: Any, b: Any, span: Span) -> Any:
    if isinstance(a, int) and isinstance(b, int) and b > 64 and abs(a) > 1:
        raise LimitError(f"{a} ** {b} is too large", span, hint="integers stay within ±2^63")
    return a ** b


def _floordiv(a, b):
    return a // b


ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": _floordiv, "%": operator.mod,
}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}


def _builtin_len(args, span):
    (x,) = _arity("len", args, 1, span)
    if not isinstance(x, (list, tuple, str)):
        raise TypeError_(f"len() expects a list or string, got {type_name(x)}", span)
    return len(x)


def _minmax(name: str, fn):
    def call(args, span):
        items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        if not items:
            raise TypeError_(f"{name}() of nothing", span, hint=f"{name}(a, b) or {name}(list)")
        if not all(_is_num(v) for v in items):
            raise TypeError_(f"{name}() expects numbers", span)
        return fn(items)

    return call


def _arity(name: str, args: list, n: int, span: Span) -> list:
    if len(args) != n:
        raise TypeError_(f"{name}() takes {n} argument(s), got {len(args)}", span)
    return args


FUNCTIONS = {"len": _builtin_len, "min": _minmax("min", min), "max": _minmax("max", max)}


class Env:
    """Compile-time variables (parameters, lets, loop variables); a child env shadows its parent."""

    def __init__(self, vars: dict[str, Any] | None = None, parent: "Env | None" = None):
        self.vars = vars if vars is not None else {}
        self.parent = parent

    def lookup(self, name: str) -> tuple[bool, Any]:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return True, env.vars[name]
            env = env.parent
        return False, None

    def names(self) -> list[str]:
        out, env = [], self
        while env is not None:
            out.extend(env.vars)
            env = env.parent
        return out


class Evaluator:
    """Evaluates expressions. `sizes(expr)` is called for `x.channels`-style attributes."""

    def __init__(self, env: Env, sizes: Callable[[ast.Attr], Any] | None = None,
                 unknown: Callable[[ast.Name], Any] | None = None):
        self.env = env
        self.sizes = sizes
        self.unknown = unknown

    def __call__(self, e: ast.Expr) -> Any:
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise TypeError_("this is not a value", e.span)
        return method(e)

    def condition(self, e: ast.Expr) -> bool:
        v = self(e)
        if not isinstance(v, bool):
            raise TypeError_(f"a condition must be true or false, got {type_name(v)} {show(v)}", e.span,
                             hint="compare explicitly, e.g. stride != 1")
        return v

    def _Literal(self, e: ast.Literal):
        return e.value

    def _Name(self, e: ast.Name):
        if "." in e.id:  # `layer1.conv.channels`: the last segment reads a size of the path before it
            path, _, attr = e.id.rpartition(".")
            return self._Attr(ast.Attr(ast.Name(path, e.span), attr, e.span))
        found, value = self.env.lookup(e.id)
        if found:
            return value
        if self.unknown is not None:
            return self.unknown(e)
        raise NameError_(f"undefined name '{e.id}'", e.span, hint=did_you_mean(e.id, self.env.names()))

    def _Template(self, e: ast.Template):
        last = e.parts[-1]
        if isinstance(last, str) and "." in last:  # `h{i}.channels`: the last segment reads a size
            rest, _, attr = last.rpartition(".")
            path = ast.Template([*e.parts[:-1], rest] if rest else e.parts[:-1], e.span)
            return self._Attr(ast.Attr(path, attr, e.span))
        raise TypeError_("a name template names a layer; it is not a value here", e.span,
                         hint="use it as an operand (concat(h{1..i})) or read a size: h{i}.channels")

    def _ListExpr(self, e: ast.ListExpr):
        return _bounded([self(x) for x in e.items], e.span)

    def _TupleExpr(self, e: ast.TupleExpr):
        return _bounded(tuple(self(x) for x in e.items), e.span)

    def _Unary(self, e: ast.Unary):
        if e.op == "not":
            return not self.condition(e.operand)
        v = self(e.operand)
        if not _is_num(v):
            raise TypeError_(f"'{e.op}' expects a number, got {type_name(v)} {show(v)}", e.span)
        return -v if e.op == "-" else v

    def _Binary(self, e: ast.Binary):
        op = e.op
        if op in ("and", "or"):
            left = self.condition(e.left)
            if left == (op == "or"):
                return left
            return self.condition(e.right)
        a, b = self(e.left), self(e.right)
        if op in COMPARE:
            if op not in ("==", "!=") and not (_is_num(a) and _is_num(b)) and not (
                isinstance(a, str) and isinstance(b, str)
            ):
                raise TypeError_(f"cannot compare {type_name(a)} {show(a)} with {type_name(b)} {show(b)}",
                                 e.span)
            return COMPARE[op](a, b)
        if op == "+" and isinstance(a, (list, str)) and type(a) is type(b):
            return _bounded(a + b, e.span)
        if not (_is_num(a) and _is_num(b)):
            raise TypeError_(
                f"'{op}' expects numbers, got {type_name(a)} {show(a)} and {type_name(b)} {show(b)}", e.span
            )
        try:
            result = _power(a, b, e.span) if op == "**" else ARITH[op](a, b)
        except ZeroDivisionError:
            raise TypeError_("division by zero", e.span) from None
        except OverflowError:
            raise LimitError(f"the result of '{op}' is too large", e.span) from None
        if isinstance(result, complex):
            raise TypeError_("the result is not a real number", e.span)
        if isinstance(result, float) and not math.isfinite(result) and math.isfinite(a) and math.isfinite(b):
            # float arithmetic overflows to inf without raising; an inf operand is the parameter's fault
            raise LimitError(f"the result of '{op}' is too large for a float", e.span,
                             hint="floats go up to about 1.8e308; check the arithmetic")
        return _bounded(result, e.span)

    def _Ternary(self, e: ast.Ternary):
        return self(e.then) if self.condition(e.cond) else self(e.orelse)

    def _Index(self, e: ast.Index):
        seq, i = self(e.value), self(e.index)
        if not isinstance(seq, (list, tuple, str)):
            raise TypeError_(f"cannot index {type_name(seq)} {show(seq)}", e.span)
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError_(f"an index must be an int, got {type_name(i)} {show(i)}", e.index.span)
        if not -len(seq) <= i < len(seq):
            raise TypeError_(f"index {i} is out of range for a list of {len(seq)}", e.span)
        return seq[i]

    def _Attr(self, e: ast.Attr):
        if self.sizes is None:
            raise TypeError_(f"'.{e.attr}' needs a layer, and there is none here", e.span)
        return self.sizes(e)

    def _FuncCall(self, e: ast.FuncCall):
        fn = FUNCTIONS.get(e.func)
        if fn is None:
            raise NameError_(f"unknown function '{e.func}'", e.span,
                             hint=did_you_mean(e.func, FUNCTIONS) or "functions are len, min and max")
        return fn([self(a) for a in e.args], e.span)
