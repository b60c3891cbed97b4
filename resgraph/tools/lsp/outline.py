"""The document's outline and folds: models, blocks and their bindings as symbols; definitions,
loops, conditionals, bindings and docstrings of several lines as folding ranges; and formatting,
`resgraph fmt`'s."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import ResgraphError, Source, Span
from ...syntax import ast
from ...syntax.fmt import format_text
from .ast_index import name_span, statements, trimmed

MODEL, BLOCK, BINDING, INPUT, IMPORT = "model", "block", "binding", "input", "import"


@dataclass
class Symbol:
    name: str
    kind: str
    detail: str
    span: Span  # the whole definition or statement
    name_span: Span
    children: list["Symbol"] = field(default_factory=list)


def symbols(source: Source, file: ast.File) -> list[Symbol]:
    out = []
    for item in file.items:
        if isinstance(item, ast.Import):
            out.append(Symbol(item.target, IMPORT, "import", trimmed(source, item.span), trimmed(source, item.span)))
        elif isinstance(item, (ast.BlockDef, ast.ModelDef)):
            kind = BLOCK if isinstance(item, ast.BlockDef) else MODEL
            detail = f"= {item.base.name}(...)" if isinstance(item, ast.ModelDef) and item.base else ""
            sym = Symbol(item.name, kind, detail, trimmed(source, item.span), name_span(source, item))
            sym.children = _bindings(source, item)
            out.append(sym)
    return out


def _bindings(source: Source, defn) -> list[Symbol]:
    out = []
    for st in statements(defn.body):
        if isinstance(st, ast.Bind):
            span = trimmed(source, st.span)
            for target in st.targets:
                name = target.id if isinstance(target, ast.Name) else _text(source, target.span)
                out.append(Symbol(name, BINDING, "", span, target.span))
        elif isinstance(st, ast.Input):
            out.append(Symbol(st.name, INPUT, "input", trimmed(source, st.span), name_span(source, st)))
    return out


def _text(source: Source, span: Span) -> str:
    return source.line(span.line)[span.col - 1:(span.end_col or span.col + 1) - 1]


def folds(source: Source, file: ast.File) -> list[tuple[int, int]]:
    """(first, last) 1-based lines of each fold: a closing `}` line stays visible."""
    out = []
    for node in file.items:
        if isinstance(node, (ast.BlockDef, ast.ModelDef)):
            out.append(_fold(source, node.span))
            if node.doc_span is not None:
                out.append(_fold(source, node.doc_span))
            out += [_fold(source, st.span) for st in statements(node.body) if isinstance(st, (ast.For, ast.If, ast.Bind))]
    if file.doc_span is not None:
        out.append(_fold(source, file.doc_span))
    return sorted({f for f in out if f[1] > f[0]})


def _fold(source: Source, span: Span) -> tuple[int, int]:
    s = trimmed(source, span)
    last = s.end_line or s.line
    if last > s.line and source.line(last).strip().startswith("}"):
        last -= 1
    return s.line, last


def formatted(text: str, path: str) -> str | None:
    """The text in canonical layout, or None when it does not parse (its diagnostics say why)."""
    try:
        return format_text(text, path)
    except ResgraphError:
        return None
