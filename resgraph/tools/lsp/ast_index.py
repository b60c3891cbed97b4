"""From a place in the text to the syntax written there: the innermost AST node and its parents,
the definition around it, the names it can see, and where each name is written.

The AST gives spans to nodes, not to the names inside statements (`block basic(...)`, `let w =`),
so those are found in the line after the span's start.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...errors import Source, Span
from ...syntax import ast

Pos = tuple[int, int]  # 1-based line and column, as in a Span


def children(node: Any) -> Iterator[Any]:
    """The AST nodes directly inside `node`, in field order (spans and sources are not nodes)."""
    for f in dataclasses.fields(node):
        if f.name == "span" or f.name.endswith("_span"):
            continue
        yield from _nodes(getattr(node, f.name))


def _nodes(value: Any) -> Iterator[Any]:
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _nodes(v)
    elif dataclasses.is_dataclass(value) and type(value).__module__ == ast.__name__:
        yield value


def walk(node: Any) -> Iterator[Any]:
    """`node` and every AST node inside it, depth first, in text order (iterative: deep chains)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(n))))


def start(span: Span) -> Pos:
    return (span.line, span.col)


def end(span: Span) -> Pos:
    return (span.end_line or span.line, span.end_col or span.col)


def inside(span: Span, pos: Pos, *, closed: bool = True) -> bool:
    """Whether `pos` is in the span; `closed` counts its end (a cursor just after a name)."""
    return start(span) <= pos < end(span) or (closed and pos == end(span))


def path_at(file: ast.File, pos: Pos) -> list[Any]:
    """The AST nodes around `pos`, outermost first (`[BlockDef, Bind, Chain, Element, Call]`).

    Statement spans run on to the next statement, so a node whose span holds `pos` strictly is
    preferred to one that merely ends there."""
    path: list[Any] = []
    level = [n for n in file.items if not isinstance(n, ast.Doc)]
    while True:
        spanned = [n for n in level if getattr(n, "span", None) is not None]
        hit = next((n for n in spanned if inside(n.span, pos, closed=False)), None)
        hit = hit or next((n for n in spanned if inside(n.span, pos)), None)
        if hit is None:
            return path
        path.append(hit)
        level = list(children(hit))


def definition_at(file: ast.File, line: int) -> ast.BlockDef | ast.ModelDef | None:
    """The block or model whose text holds `line` (a line between definitions: the one above)."""
    found = None
    for item in file.items:
        if isinstance(item, (ast.BlockDef, ast.ModelDef)) and item.span.line <= line:
            found = item
    return found


def word_span(source: Source, span: Span, word: str) -> Span:
    """Where `word` is first written as a whole word from the start of `span` (else the span's start)."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(word)}(?![\w])")
    last = span.end_line or span.line
    for line in range(span.line, last + 1):
        text = source.line(line)
        m = pattern.search(text, span.col - 1 if line == span.line else 0)
        if m:
            return Span(source, line, m.start() + 1, line, m.end() + 1)
    return Span(source, span.line, span.col, span.line, span.col + len(word))


def name_span(source: Source, node: Any) -> Span:
    """Where the name a definition or statement introduces is written."""
    if isinstance(node, (ast.BlockDef, ast.ModelDef)):
        keyword = "block" if isinstance(node, ast.BlockDef) else "model"
        head = word_span(source, node.span, keyword)
        return word_span(source, Span(source, head.end_line, head.end_col, node.span.end_line, node.span.end_col),
                         node.name)
    if isinstance(node, ast.Param):
        return Span(source, node.span.line, node.span.col, node.span.line, node.span.col + len(node.name))
    if isinstance(node, ast.For):
        return word_span(source, Span(source, node.span.line, node.span.col + 3), node.var)
    if isinstance(node, (ast.Let, ast.Input, ast.Option)):
        keyword = {ast.Let: "let", ast.Input: "input", ast.Option: "option"}[type(node)]
        after = Span(source, node.span.line, node.span.col + len(keyword))
        return word_span(source, after, node.name)
    return node.span


def text_of(source: Source, span: Span) -> str:
    """The text a one-line or multi-line span covers."""
    last = span.end_line or span.line
    lines = [source.line(n) for n in range(span.line, last + 1)]
    if span.end_col is not None:
        lines[-1] = lines[-1][:span.end_col - 1]
    lines[0] = lines[0][span.col - 1:]
    return "\n".join(lines)


def trimmed(source: Source, span: Span) -> Span:
    """A statement's or definition's span without the blank lines and comments it runs on into."""
    line, col = end(span)
    if line > span.line and not source.line(line)[:col - 1].strip():
        line -= 1
        while line > span.line and _blank(source.line(line)):
            line -= 1
        col = len(source.line(line).rstrip()) + 1
    return Span(source, span.line, span.col, line, col)


def _blank(text: str) -> bool:
    stripped = text.strip()
    return not stripped or stripped.startswith("#")


# -- names ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A name a definition gives: a value (`x = ...`, `input x`, a tensor parameter) or a variable
    (a parameter, `let`, a loop's variable)."""

    name: str
    kind: str  # "value" | "input" | "parameter" | "tensor parameter" | "let" | "loop variable"
    node: Any  # the AST node that binds it
    span: Span  # where the name is written

    @property
    def is_value(self) -> bool:
        return self.kind in ("value", "input", "tensor parameter")


def bindings(source: Source, defn: ast.BlockDef | ast.ModelDef) -> list[Binding]:
    """Every name `defn` binds, parameters first, then its statements in text order."""
    found = []
    for p in defn.params:
        kind = "tensor parameter" if p.type == "tensor" else "parameter"
        found.append(Binding(p.name, kind, p, name_span(source, p)))
    for st in statements(defn.body):
        if isinstance(st, ast.Bind):
            for target in st.targets:
                if isinstance(target, ast.Name):
                    found.append(Binding(target.id, "value", st, target.span))
        elif isinstance(st, ast.Input):
            found.append(Binding(st.name, "input", st, name_span(source, st)))
        elif isinstance(st, ast.Let):
            found.append(Binding(st.name, "let", st, name_span(source, st)))
        elif isinstance(st, ast.For):
            found.append(Binding(st.var, "loop variable", st, name_span(source, st)))
    return found


def statements(body: list) -> Iterator[Any]:
    """The statements of a body and, inside them, of every `if` branch and `for` loop."""
    stack = list(reversed(body))
    while stack:
        st = stack.pop()
        yield st
        inner = []
        if isinstance(st, ast.If):
            inner = [s for _, branch in st.branches for s in branch] + list(st.orelse or [])
        elif isinstance(st, ast.For):
            inner = st.body
        stack.extend(reversed(inner))


def references(defn: Any, name: str) -> list[Span]:
    """Where `name` is read inside `defn`: names in expressions and merges, chains that start from it.
    Labels (`conv1:`) and binding targets name layers and values; they are not reads."""
    skip = set()
    for node in walk(defn):
        if isinstance(node, ast.Element) and node.label is not None:
            skip.add(id(node.label))
        elif isinstance(node, ast.Bind):
            skip.update(id(t) for t in node.targets)
    found = []
    for node in walk(defn):
        if isinstance(node, ast.Name) and node.id == name and id(node) not in skip:
            found.append(node.span)
        elif isinstance(node, ast.Call) and node.name == name and not node.parens:
            found.append(node.span)
    return found


def value_sites(chain: ast.Chain | ast.Outputs) -> list[Span]:
    """The spans whose instances give a chain's value, most specific first: the last element's
    repetition, then its group or call (a group of no name is flattened: its own last element)."""
    if not isinstance(chain, ast.Chain) or not chain.elements:
        return []
    return element_sites(chain.elements[-1])


def element_sites(el: ast.Element) -> list[Span]:
    sites = [el.span] if el.count is not None else []
    item = el.item
    if isinstance(item, ast.Group):
        return sites + [item.span] + value_sites(item.chain)
    if isinstance(item, ast.ChainIf):
        chains = [c for _, c in item.branches] + ([item.orelse] if item.orelse else [])
        return sites + [s for c in chains for s in value_sites(c)]
    return sites + [item.span]
