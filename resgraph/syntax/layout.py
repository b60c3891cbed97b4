"""AST → .rg text in the one canonical layout, shared by `resgraph fmt` and `to_rg(graph)`.

Layout: 4-space indents, spaces around `->`, `=` and binary operators, `name: type = default`
parameters, `kw=value` arguments, lines of at most WIDTH columns where a break is possible (at
`->`, with the arrows aligned under the first one; inside argument lists, aligned after the `(`;
groups and conditionals over several lines). Literals and docstrings keep the text the user wrote
(`1e-5` stays `1e-5`); comments are placed back before or after the statement they belong to.
"""

from __future__ import annotations

import re

from ..errors import Source, Span
from . import ast
from .values import string_literal, value_text

WIDTH = 100
STEP = 4

_STRING = r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"'
# Precedence levels of the grammar's expression rules, loosest first.
_TERNARY, _OR, _AND, _NOT, _COMPARE, _SUM, _TERM, _FACTOR, _POWER, _POSTFIX = range(1, 11)
_BINARY = {"or": _OR, "and": _AND, "+": _SUM, "-": _SUM, "*": _TERM, "/": _TERM, "//": _TERM,
           "%": _TERM, "**": _POWER, **{op: _COMPARE for op in ("==", "!=", "<", "<=", ">", ">=")}}


def quote(text: str) -> str:
    """A string literal that reads back as `text` (docstrings use triple quotes when they can)."""
    if '"' not in text and "\\" not in text and ("\n" in text or text.endswith(".")):
        return '"""' + text + '"""'
    return string_literal(text)


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


class Renderer:
    """Writes definitions into `self.out` (a list of lines). Give `comments` to keep them."""

    def __init__(self, comments: list[ast.Comment] = (), width: int = WIDTH):
        self.out: list[str] = []
        self.width = width
        self.comments = sorted(comments, key=lambda c: (c.span.line, c.span.col))
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

    # -- comments ------------------------------------------------------------------------------
    def comments_before(self, line: int, indent: str, blank_from: int | None) -> int | None:
        """Write the comments above `line`; returns the last source line written."""
        while self.comments and self.comments[0].span.line < line:
            c = self.comments.pop(0)
            self.blank_if(blank_from, c.span.line, c.span)
            self.out.append(indent + c.text)
            blank_from = c.span.line
        return blank_from

    def blank_if(self, prev: int | None, line: int, span: Span) -> None:
        t = self._text(span)
        if prev is not None and t is not None and t.blank_between(prev, line) and self.out and self.out[-1]:
            self.out.append("")

    def trailing(self, last: int, indent: str, start: int) -> None:
        """Comments up to source line `last` end the statement written from `self.out[start]`
        (a statement over several lines may hold several: all but the last go above it)."""
        mine = []
        while self.comments and self.comments[0].span.line <= last:
            mine.append(self.comments.pop(0))
        if not mine:
            return
        *above, end = mine
        self.out[start:start] = [indent + c.text for c in above]
        self.out[-1] += "  " + end.text

    def header_comment(self, line: int) -> None:
        if self.comments and self.comments[0].span.line == line:
            self.out[-1] += "  " + self.comments.pop(0).text

    # -- expressions ---------------------------------------------------------------------------
    def expr(self, e, prec: int = 0) -> str:
        text, own = self._expr(e)
        return f"({text})" if own < prec else text

    def _expr(self, e) -> tuple[str, int]:
        if isinstance(e, ast.Literal):
            return self.literal(e), _POSTFIX + 1
        if isinstance(e, ast.Name):
            return e.id, _POSTFIX + 1
        if isinstance(e, ast.Template):
            return self.template(e), _POSTFIX + 1
        if isinstance(e, ast.ListExpr):
            return "[" + ", ".join(self.expr(x) for x in e.items) + "]", _POSTFIX + 1
        if isinstance(e, ast.TupleExpr):
            items = [self.expr(x) for x in e.items]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", _POSTFIX + 1
        if isinstance(e, ast.Unary):
            if e.op == "not":
                return "not " + self.expr(e.operand, _NOT), _NOT
            return e.op + self.expr(e.operand, _FACTOR), _FACTOR
        if isinstance(e, ast.Binary):
            prec = _BINARY[e.op]
            if e.op == "**":
                return f"{self.expr(e.left, _POSTFIX)} ** {self.expr(e.right, _FACTOR)}", prec
            if prec == _COMPARE:
                return f"{self.expr(e.left, _SUM)} {e.op} {self.expr(e.right, _SUM)}", prec
            return f"{self.expr(e.left, prec)} {e.op} {self.expr(e.right, prec + 1)}", prec
        if isinstance(e, ast.Ternary):
            return (f"{self.expr(e.then, _OR)} if {self.expr(e.cond, _OR)} else "
                    f"{self.expr(e.orelse, _TERNARY)}"), _TERNARY
        if isinstance(e, ast.Index):
            return f"{self.expr(e.value, _POSTFIX)}[{self.expr(e.index)}]", _POSTFIX
        if isinstance(e, ast.Attr):
            return f"{self.expr(e.value, _POSTFIX)}.{e.attr}", _POSTFIX
        if isinstance(e, ast.FuncCall):
            return f"{e.func}(" + ", ".join(self.expr(a) for a in e.args) + ")", _POSTFIX
        if isinstance(e, ast.Range):
            return f"{self.expr(e.start, _SUM)}{'..=' if e.inclusive else '..'}{self.expr(e.end, _SUM)}", 0
        raise TypeError(f"not an expression: {e!r}")  # pragma: no cover - the parser makes no others

    def literal(self, e: ast.Literal) -> str:
        if isinstance(e.value, (int, float, str)) and not isinstance(e.value, bool):
            kept = self.raw(e.span, _STRING + r"|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", whole=True)
            if kept is not None:
                return kept
        return value_text(e.value)

    def template(self, t: ast.Template) -> str:
        return "".join(p if isinstance(p, str) else "{" + self.expr(p) + "}" for p in t.parts)

    def name(self, n: ast.Name | ast.Template) -> str:
        return n.id if isinstance(n, ast.Name) else self.template(n)

    # -- chains --------------------------------------------------------------------------------
    def args(self, call: ast.Call) -> list[str]:
        return [self.expr(a) for a in call.args] + [f"{k.name}={self.expr(k.value)}" for k in call.kwargs]

    def flat(self, x) -> str:
        """An element, item or chain on one line."""
        if isinstance(x, ast.Chain):
            return " -> ".join(self.flat(el) for el in x.elements)
        if isinstance(x, ast.Element):
            label = self.name(x.label) + ": " if x.label is not None else ""
            count = f" * {self.expr(x.count, _POSTFIX)}" if x.count is not None else ""
            return label + self.flat(x.item) + count
        if isinstance(x, ast.Call):
            return x.name + ("(" + ", ".join(self.args(x)) + ")" if x.parens else "")
        if isinstance(x, ast.TemplateRef):
            return self.template(x.template)
        if isinstance(x, ast.Group):
            return "[" + self.flat(x.chain) + "]"
        parts = [f"if {self.expr(c)} {{ {self.flat(ch)} }}" for c, ch in x.branches]
        text = " else ".join(parts)
        return text + (f" else {{ {self.flat(x.orelse)} }}" if x.orelse is not None else "")

    def chain(self, chain: ast.Chain, col: int, indent: int, one_per_line: bool = False) -> list[str]:
        """A chain whose first line continues at column `col`; later lines are whole lines.

        A chain too long for one line breaks at `->`, the arrows aligned under the first one;
        groups and repetitions (the stages of a network) then take a line of their own.
        """
        if not one_per_line and col + len(self.flat(chain)) <= self.width:
            return [self.flat(chain)]
        first, *rest = chain.elements
        lines = self.element(first, col, indent)
        arrow = col if one_per_line or len(lines) > 1 else col + len(lines[0]) + 1
        if arrow > indent + 6 * STEP:  # a long head: arrows at a fixed indent instead of under it
            arrow = indent + 2 * STEP
        alone = one_per_line or len(lines) > 1 or _stage(first)  # the next element starts a line
        head_only = not alone and isinstance(first.item, (ast.Call, ast.TemplateRef)) and first.label is None
        start = indent  # where the current line starts: nested groups indent from there
        for el in rest:
            text, end = self.flat(el), len(lines[-1]) + (col if len(lines) == 1 else 0)
            fits = end + 4 + len(text) <= self.width
            if not alone and (not _stage(el) or head_only) and fits:
                lines[-1] += " -> " + text
                more = [text]
            elif not alone and (not _stage(el) or head_only) and arrow + 3 + len(text) > self.width \
                    and _breakable(el) and end + 4 + len(self.element(el, end + 4, indent)[0]) <= self.width:
                more = self.element(el, end + 4, start)
                lines[-1] += " -> " + more[0]
                lines.extend(more[1:])
            else:
                more, start = self.element(el, arrow + 3, arrow), arrow
                lines.append(" " * arrow + "-> " + more[0])
                lines.extend(more[1:])
            alone = one_per_line or len(more) > 1 or _stage(el)
            head_only = False
        return lines

    def element(self, el: ast.Element, col: int, indent: int) -> list[str]:
        flat = self.flat(el)
        if col + len(flat) <= self.width or not _breakable(el):
            return [flat]
        label = self.name(el.label) + ": " if el.label is not None else ""
        item, at = el.item, col + len(label)
        if isinstance(item, ast.Call):
            lines = self.wrapped(item.name + "(", self.args(item), ")", at)
        elif isinstance(item, ast.Group):
            inner = self.chain(item.chain, indent + STEP, indent + STEP, one_per_line=True)
            lines = ["[", *[" " * (indent + STEP) + inner[0], *inner[1:]], " " * indent + "]"]
        else:
            lines = self.chain_if(item, at)
        lines[0] = label + lines[0]
        if el.count is not None:
            lines[-1] += f" * {self.expr(el.count, _POSTFIX)}"
        return lines

    def chain_if(self, item: ast.ChainIf, col: int) -> list[str]:
        pad, body = " " * col, col + STEP
        lines = []
        for k, (cond, ch) in enumerate(item.branches):
            head = f"if {self.expr(cond)} {{"
            if k == 0:
                lines.append(head)
            else:
                lines.append(pad + "} else " + head)
            inner = self.chain(ch, body, body)
            lines += [" " * body + inner[0], *inner[1:]]
        if item.orelse is not None:
            short = pad + "} else { " + self.flat(item.orelse) + " }"
            if len(short) <= self.width:
                return lines + [short]
            inner = self.chain(item.orelse, body, body)
            lines += [pad + "} else {", " " * body + inner[0], *inner[1:]]
        return lines + [pad + "}"]

    def wrapped(self, head: str, items: list[str], close: str, col: int) -> list[str]:
        """`head item, item, ...close`, filled greedily, continuation lines aligned after `head`."""
        if not items:
            return [head + close]
        lines, at = [head + items[0] + ("," if len(items) > 1 else close)], col + len(head)
        for k, item in enumerate(items[1:], 1):
            piece = item + ("," if k < len(items) - 1 else close)
            if (col if len(lines) == 1 else 0) + len(lines[-1]) + 1 + len(piece) > self.width:
                lines.append(" " * at + piece)
            else:
                lines[-1] += " " + piece
        return lines

    # -- statements ----------------------------------------------------------------------------
    def body(self, stmts: list, depth: int, close: Span | None) -> None:
        pad = " " * depth
        prev = None
        for st in stmts:
            prev = self.comments_before(st.span.line, pad, prev)
            self.blank_if(prev, st.span.line, st.span)
            self.stmt(st, depth)
            prev = self.last_line(st.span)
        if close is not None:
            end = self.last_line(close)
            self.comments_before(end, pad, prev)

    def stmt(self, st, depth: int) -> None:
        pad, start = " " * depth, len(self.out)
        if isinstance(st, ast.Bind):
            head = f"{pad}{self.name(st.target)} = "
            lines = self.chain(st.chain, len(head), depth)
            self.out += [head + lines[0], *lines[1:]]
        elif isinstance(st, ast.Let):
            self.out.append(f"{pad}let {st.name} = {self.expr(st.value)}")
        elif isinstance(st, ast.Option):
            self.out.append(f"{pad}option {st.name} = {self.expr(st.value)}")
        elif isinstance(st, ast.Input):
            self.out += self.wrapped(f"{pad}input {st.name}[", [self.expr(d) for d in st.dims], "]", 0)
        elif isinstance(st, ast.If):
            for k, (cond, body) in enumerate(st.branches):
                self.out.append(f"{pad}{'} else ' if k else ''}if {self.expr(cond)} {{")
                self.header_comment(st.span.line if k == 0 else cond.span.line)
                self.body(body, depth + STEP, None)
            if st.orelse is not None:
                self.out.append(pad + "} else {")
                self.body(st.orelse, depth + STEP, None)
            self.close(st.span, pad)
            return
        elif isinstance(st, ast.For):
            it = self.expr(st.iter)
            self.out.append(f"{pad}for {st.var} in {it} {{")
            self.header_comment(st.span.line)
            self.body(st.body, depth + STEP, st.span)
            self.close(st.span, pad)
            return
        self.trailing(self.last_line(st.span), pad, start)

    def close(self, span: Span, pad: str) -> None:
        end = self.last_line(span)
        self.comments_before(end, pad + " " * STEP, None)
        self.out.append(pad + "}")
        self.trailing(end, pad, len(self.out) - 1)

    # -- definitions ---------------------------------------------------------------------------
    def doc(self, text: str | None, span: Span | None, pad: str) -> None:
        if text is None:
            return
        self.out.append(pad + (self.raw(span, _STRING) or quote(text)))
        if span is not None:
            self.trailing(self.last_line(span), pad, len(self.out) - 1)

    def params(self, params: list[ast.Param]) -> list[str]:
        out = []
        for p in params:
            text = p.name + (f": {p.type}" if p.type else "")
            if p.default is not None:
                text += f" = {self.expr(p.default)}" if p.type else f"={self.expr(p.default)}"
            out.append(text)
        return out

    def definition(self, d: ast.BlockDef | ast.ModelDef | ast.Import) -> None:
        start = len(self.out)
        if isinstance(d, ast.Import):
            self.out.append("import " + (value_text(d.target) if d.is_path else d.target))
        elif isinstance(d, ast.ModelDef) and d.base is not None:
            self.out += self.wrapped(f"model {d.name} = {d.base.name}(", self.args(d.base), ")", 0)
            if d.doc is not None:
                kept = self.raw(d.doc_span, _STRING) or quote(d.doc)
                if "\n" not in kept and len(self.out[-1]) + 1 + len(kept) <= self.width:
                    self.out[-1] += " " + kept
                else:
                    self.out.append(" " * STEP + kept)
        else:
            self.block_or_model(d)
        self.trailing(self.last_line(d.span), "", start)

    def block_or_model(self, d: ast.BlockDef | ast.ModelDef) -> None:
        kind = "block" if isinstance(d, ast.BlockDef) else "model"
        if kind == "model" and not d.params:
            self.out.append(f"model {d.name} {{")
        else:
            lines = self.wrapped(f"{kind} {d.name}(", self.params(d.params), ") {", 0)
            self.out += lines
        self.header_comment(d.span.line)
        self.doc(d.doc, d.doc_span, " " * STEP)
        self.body(d.body, STEP, d.span)
        self.out.append("}")

    def file(self, file: ast.File) -> str:
        prev_kind, prev = None, None
        if file.doc is not None:
            self.comments_before(file.doc_span.line if file.doc_span else 1, "", None)
            self.doc(file.doc, file.doc_span, "")
            prev_kind = "doc"
        for item in file.items:
            kind = type(item).__name__
            if prev_kind is not None and not (kind == prev_kind == "Import"):
                self.out.append("")
            self.comments_before(item.span.line, "", prev if kind == prev_kind == "Import" else None)
            self.definition(item)
            prev_kind, prev = kind, self.last_line(item.span)
        if self.comments:
            if self.out:
                self.out.append("")
            self.out += [c.text for c in self.comments]
            self.comments = []
        return "\n".join(line.rstrip() for line in self.out) + "\n" if self.out else ""


def _stage(el: ast.Element) -> bool:
    return el.count is not None or isinstance(el.item, ast.Group)


def _breakable(el: ast.Element) -> bool:
    item = el.item
    return (isinstance(item, (ast.Group, ast.ChainIf))
            or (isinstance(item, ast.Call) and item.parens and bool(item.args or item.kwargs)))
