"""The parse tree's expression rules → `ast` expressions: the part of the parser's transformer
that knows no statements, so `parser.py` keeps files, definitions, chains and name templates.

Literals are checked here: an integer of more than MAX_INT_DIGITS digits, or a float too large to
be finite, is refused where it is written.
"""

from __future__ import annotations

import math
import re

from lark import v_args
from lark.visitors import Transformer_NonRecursive

from ..errors import LimitError, Source, Span
from . import ast

MAX_INT_DIGITS = 30

_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t"}


def unquote(text: str) -> str:
    body = text[3:-3] if text.startswith('"""') else text[1:-1]
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[1]), body)


@v_args(meta=True)
class ExprRules(Transformer_NonRecursive):
    """Builds `ast` expressions. `source` and `offset` are set per parse."""

    def __init__(self) -> None:
        super().__init__()
        self.source: Source | None = None
        self.offset = (0, 0)  # (line, column shift) while parsing the inside of a name template

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 0, 0)
        if self.offset != (0, 0):
            return Span(self.source, self.offset[0], meta.column + self.offset[1], self.offset[0],
                        meta.end_column + self.offset[1])
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def ternary(self, meta, c):
        return ast.Ternary(c[0], c[1], c[2], self._span(meta))

    def or_(self, meta, c):
        return ast.Binary("or", c[0], c[1], self._span(meta))

    def and_(self, meta, c):
        return ast.Binary("and", c[0], c[1], self._span(meta))

    def not_(self, meta, c):
        return ast.Unary("not", c[0], self._span(meta))

    def compare(self, meta, c):
        return ast.Binary(c[1].value, c[0], c[2], self._span(meta))

    def binop(self, meta, c):
        return ast.Binary(c[1].value, c[0], c[2], self._span(meta))

    def unary(self, meta, c):
        return ast.Unary(c[0].value, c[1], self._span(meta))

    def pow(self, meta, c):
        return ast.Binary("**", c[0], c[1], self._span(meta))

    def index(self, meta, c):
        return ast.Index(c[0], c[1], self._span(meta))

    def attr(self, meta, c):
        return ast.Attr(c[0], c[1].value, self._span(meta))

    def func(self, meta, c):
        return ast.FuncCall(c[0].value, [a for a in c[1:] if a is not None], self._span(meta))

    def int_(self, meta, c):
        text = c[0].value
        if len(text) > MAX_INT_DIGITS:
            raise LimitError(f"integer literal with {len(text)} digits", self._span(meta),
                             hint=f"integers have at most {MAX_INT_DIGITS} digits")
        return ast.Literal(int(text), self._span(meta))

    def float_(self, meta, c):
        value = float(c[0].value)
        if not math.isfinite(value):  # `1e400` would be inf, which no layer takes and no file can save
            raise LimitError("number too large for a float; the largest is about 1.8e308", self._span(meta),
                             hint="write a smaller number")
        return ast.Literal(value, self._span(meta))

    def string(self, meta, c):
        return ast.Literal(unquote(c[0].value), self._span(meta))

    def true(self, meta, c):
        return ast.Literal(True, self._span(meta))

    def false(self, meta, c):
        return ast.Literal(False, self._span(meta))

    def none(self, meta, c):
        return ast.Literal(None, self._span(meta))

    def name(self, meta, c):
        return ast.Name(c[0].value, self._span(meta))


    def list_(self, meta, c):
        return ast.ListExpr([x for x in c if x is not None], self._span(meta))

    def tuple_(self, meta, c):
        return ast.TupleExpr([x for x in c if x is not None], self._span(meta))

    def template_part(self, meta, c):
        return c[0]

    def literal(self, meta, c):
        return c[0]
