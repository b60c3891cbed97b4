"""AST → .rg text in the one canonical layout, shared by `resgraph fmt` and `to_rg(graph)`.

Layout: 4-space indents, spaces around `->`, `=` and binary operators, `name: type = default`
parameters, `kw=value` arguments, lines of at most WIDTH columns where a break is possible (at
`->`, with the arrows aligned under the first one; inside argument lists, aligned after the `(`;
groups and conditionals over several lines). Literals and docstrings keep the text the user wrote
(`1e-5` stays `1e-5`); comments are placed back before or after the statement they belong to.
"""

from __future__ import annotations

from ..errors import Span
from . import ast
from .layout_chain import STEP, WIDTH, Chains
from .layout_expr import STRING
from .values import string_literal, value_text


def _line_ending(ends: list[tuple[ast.Element, int]], source_line: int) -> int | None:
    """The output line that ends with the last element written on `source_line`; None when that
    element was not laid out on a line of its own or something else follows it there."""
    on_line = [(el, k) for el, k in ends if el.span.end_line == source_line]
    if not on_line:
        return None
    el, line = max(on_line, key=lambda e: e[0].span.end_col)
    end = (el.span.end_line, el.span.end_col)
    if any(k == line and (e.span.end_line, e.span.end_col) > end for e, k in ends):
        return None
    return line


def quote(text: str) -> str:
    """A string literal that reads back as `text` (docstrings use triple quotes when they can)."""
    if '"' not in text and "\\" not in text and ("\n" in text or text.endswith(".")):
        return '"""' + text + '"""'
    return string_literal(text)


class Renderer(Chains):
    """Writes definitions into `self.out` (a list of lines). Give `comments` to keep them."""

    def __init__(self, comments: list[ast.Comment] = (), width: int = WIDTH):
        super().__init__(width)
        self.out: list[str] = []
        self.comments = sorted(comments, key=lambda c: (c.span.line, c.span.col))

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
        """Comments up to source line `last` end the statement written from `self.out[start]`:
        one after an element of a chain over several lines stays after it when the element still
        ends a line; the others go above the statement, but the last, which ends it."""
        ends, self.ends = self.ends, []
        mine = []
        while self.comments and self.comments[0].span.line <= last:
            mine.append(self.comments.pop(0))
        above = []
        for k, c in enumerate(mine):
            line = _line_ending(ends, c.span.line)
            if line is not None and start + line < len(self.out) - 1:
                self.out[start + line] += "  " + c.text
            elif k == len(mine) - 1:
                self.out[-1] += "  " + c.text
            else:
                above.append(indent + c.text)
        self.out[start:start] = above

    def header_comment(self, line: int) -> None:
        if self.comments and self.comments[0].span.line == line:
            self.out[-1] += "  " + self.comments.pop(0).text

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
        self.ends = []
        if isinstance(st, ast.Bind):
            head = f"{pad}{', '.join(self.name(t) for t in st.targets)} = "
            if isinstance(st.chain, ast.Outputs):
                lines = self.wrapped("(", [self.name(n) for n in st.chain.names], ")", len(head))
            else:
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
        self.out.append(pad + (self.raw(span, STRING) or quote(text)))
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
                kept = self.raw(d.doc_span, STRING) or quote(d.doc)
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
