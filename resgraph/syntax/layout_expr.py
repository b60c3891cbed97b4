"""AST expressions → .rg text, and the source text that literals and docstrings are kept from.

The lowest layer of the canonical layout (`layout.py`): an expression is written on one line with
the fewest parentheses its precedence needs, and a literal keeps the text the user wrote (`1e-5`
stays `1e-5`), read back from the span the parser recorded.
"""

from __future__ import annotations

import re

from ..errors import Source, Span
from . import ast
from .values import value_text

STRING = r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"'
# Precedence levels of the grammar's expression rules, loosest first.
TERNARY, OR, AND, NOT, COMPARE, SUM, TERM, FACTOR, POWER, POSTFIX = range(1, 11)
_BINARY = {"or": OR, "and": AND, "+": SUM, "-": SUM, "*": TERM, "/": TERM, "//": TERM,
           "%": TERM, "**": POWER, **{op: COMPARE for op in ("==", "!=", "<", "<=", ">", ">=")}}


class _Text:
    """Offsets of a Source's lines, to slice the text a span covers."""

    def __init__(self, source: Source):
        self.text = source.text
        self.starts = [0]
        for m in re.finditer("\n", self.text):
            self.starts.append(m.end())

    def offset(self, line: int, col: int) -> int:
        return self.starts[min(line, len(self.starts)) - 1] + col - 1

    def last_line(self, span: Span) -> int:
        """The line of the last character of a span, not counting the line break it swallowed."""
        end = self.offset(span.end_line or span.line, span.end_col or span.col)
        while end > 0 and self.text[end - 1] in " \t\f\r\n":
            end -= 1
        return self.text.count("\n", 0, end) + 1

    def blank_between(self, a: int, b: int) -> bool:
        """Whether a blank line lies strictly between lines a and b."""
        lines = self.text.split("\n")
        return any(not lines[i - 1].strip() for i in range(a + 1, b) if 0 < i <= len(lines))


class Expressions:
    """Writes expressions, names and templates; reads kept tokens back from their sources."""

    def __init__(self):
        self.texts: dict[int, _Text] = {}

    # -- source text ---------------------------------------------------------------------------
    def _text(self, span: Span | None) -> _Text | None:
        if span is None or span.source is None or not span.line:
            return None
        key = id(span.source)
        if key not in self.texts:
            self.texts[key] = _Text(span.source)
        return self.texts[key]

    def raw(self, span: Span | None, pattern: str, whole: bool = False) -> str | None:
        """The token matching `pattern` that starts at `span` (or is all of it), as written."""
        t = self._text(span)
        if t is None:
            return None
        start = t.offset(span.line, span.col)
        if whole:
            if not span.end_line:
                return None
            text = t.text[start:t.offset(span.end_line, span.end_col)]
            return text if re.fullmatch(pattern, text) else None
        m = re.compile(pattern).match(t.text, start)
        return m[0] if m else None

    def last_line(self, span: Span) -> int:
        t = self._text(span)
        return t.last_line(span) if t is not None else span.line

    # -- expressions ---------------------------------------------------------------------------
    def expr(self, e, prec: int = 0) -> str:
        text, own = self._expr(e)
        return f"({text})" if own < prec else text

    def _expr(self, e) -> tuple[str, int]:
        if isinstance(e, ast.Literal):
            return self.literal(e), POSTFIX + 1
        if isinstance(e, ast.Name):
            return e.id, POSTFIX + 1
        if isinstance(e, ast.Template):
            return self.template(e), POSTFIX + 1
        if isinstance(e, ast.ListExpr):
            return "[" + ", ".join(self.expr(x) for x in e.items) + "]", POSTFIX + 1
        if isinstance(e, ast.TupleExpr):
            items = [self.expr(x) for x in e.items]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", POSTFIX + 1
        if isinstance(e, ast.Unary):
            if e.op == "not":
                return "not " + self.expr(e.operand, NOT), NOT
            return e.op + self.expr(e.operand, FACTOR), FACTOR
        if isinstance(e, ast.Binary):
            prec = _BINARY[e.op]
            if e.op == "**":
                return f"{self.expr(e.left, POSTFIX)} ** {self.expr(e.right, FACTOR)}", prec
            if prec == COMPARE:
                return f"{self.expr(e.left, SUM)} {e.op} {self.expr(e.right, SUM)}", prec
            return f"{self.expr(e.left, prec)} {e.op} {self.expr(e.right, prec + 1)}", prec
        if isinstance(e, ast.Ternary):
            return (f"{self.expr(e.then, OR)} if {self.expr(e.cond, OR)} else "
                    f"{self.expr(e.orelse, TERNARY)}"), TERNARY
        if isinstance(e, ast.Index):
            return f"{self.expr(e.value, POSTFIX)}[{self.expr(e.index)}]", POSTFIX
        if isinstance(e, ast.Attr):
            return f"{self.expr(e.value, POSTFIX)}.{e.attr}", POSTFIX
        if isinstance(e, ast.FuncCall):
            return f"{e.func}(" + ", ".join(self.expr(a) for a in e.args) + ")", POSTFIX
        if isinstance(e, ast.Range):
            return f"{self.expr(e.start, SUM)}{'..=' if e.inclusive else '..'}{self.expr(e.end, SUM)}", 0
        raise TypeError(f"not an expression: {e!r}")  # pragma: no cover - the parser makes no others

    def literal(self, e: ast.Literal) -> str:
        if isinstance(e.value, (int, float, str)) and not isinstance(e.value, bool):
            kept = self.raw(e.span, STRING + r"|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", whole=True)
            if kept is not None:
                return kept
        return value_text(e.value)

    def template(self, t: ast.Template) -> str:
        return "".join(p if isinstance(p, str) else "{" + self.expr(p) + "}" for p in t.parts)

    def name(self, n: ast.Name | ast.Template) -> str:
        return n.id if isinstance(n, ast.Name) else self.template(n)
