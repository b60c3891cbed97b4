"""Text → typed AST: the one Lark LALR parser (built once per process) and its transformer.

The parse tree is turned into `ast` nodes by a non-recursive transformer, so deeply nested input
cannot exhaust Python's recursion limit. Syntax errors become `SyntaxError_` with the offending token's span.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache

from lark import Lark, Token, v_args
from lark.exceptions import UnexpectedInput, VisitError

from ..errors import LimitError, Source, Span, SyntaxError_
from . import ast
from .grammar import OPTIONS, cache_file, grammar_path
from .parse_errors import syntax_error
from .parser_exprs import ExprRules, unquote
from . import postlex
from .postlex import Layout

MAX_CHARS = 4_000_000  # with postlex.MAX_TOKENS: bounds a refusal to a few seconds
# One match per lexer token or fewer (a run of punctuation is one match): counting these with a
# regex refuses an over-long file in a fraction of a second, where the parser would take seconds.
# A name template is one match; the tokens of its holes are counted by matching the holes again.
_TOKENISH = re.compile(
    r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*|(?P<template>[A-Za-z_](?=[\w.]*\{)(?:\w|\{[^{}\n#]*\})*(?:\.(?:\w|\{[^{}\n#]*\})+)*)'
    r"|[A-Za-z_]\w*(?:\.\w+)+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\w+|(?:\r?\n[\t \f]*)+|[^\w\s\"#]+")


def _tok_span(tok: Token, source: Source | None, offset: tuple[int, int] = (0, 0)) -> Span:
    line, col = tok.line or 1, tok.column or 1
    end_line, end_col = tok.end_line or line, tok.end_column or col
    if offset != (0, 0):
        line, end_line = offset[0], offset[0]
        col, end_col = col + offset[1], end_col + offset[1]
    return Span(source, line, col, end_line, end_col)


_HOLE = re.compile(r"\{([^{}]*)\}")


@v_args(meta=True)
class _ToAst(ExprRules):
    """Builds `ast` nodes from the parse tree: files, definitions, statements, chains, templates."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Lark | None = None

    def _tspan(self, tok: Token) -> Span:
        return _tok_span(tok, self.source, self.offset)

    # -- file and definitions ----------------------------------------------------------------
    def start(self, meta, items):
        doc, items = _take_doc(items, "file")
        file = ast.File(items, doc and doc.text, [], self._span(meta), doc_span=doc and doc.span)
        for item in items:
            if isinstance(item, ast.Import):
                file.imports.append(item)
            elif isinstance(item, ast.BlockDef):
                _define(file.blocks, file.models, item)
            elif isinstance(item, ast.ModelDef):
                _define(file.models, file.blocks, item)
        return file

    def import_stmt(self, meta, c):
        tok = c[0]
        target = unquote(tok.value) if tok.type == "STRING" else tok.value
        return ast.Import(target, tok.type == "STRING", self._span(meta))

    def block_def(self, meta, c):
        name, params, body = c
        doc, body = _take_doc(body, "block")
        return ast.BlockDef(name.value, params or [], body, doc and doc.text, self._span(meta),
                            doc_span=doc and doc.span)

    def model_def(self, meta, c):
        name, params, body = c
        doc, body = _take_doc(body, "model")
        return ast.ModelDef(name.value, params or [], body, doc and doc.text, self._span(meta),
                            doc_span=doc and doc.span)

    def derive_def(self, meta, c):
        name, base, args, doc = c
        call = self.call(meta, [base, args])
        if call.args:
            raise SyntaxError_("a derived model sets its base's parameters by name", call.args[0].span,
                               hint=f"model {name.value} = {base.value}(num_classes=10)")
        call.span = self._tspan(base)  # errors about the base model point at its name
        return ast.ModelDef(name.value, [], [], unquote(doc.value) if doc is not None else None,
                            self._span(meta), base=call, doc_span=doc and self._tspan(doc))

    def params(self, meta, c):
        params = [p for p in c if p is not None]
        seen: set[str] = set()
        for p in params:
            if p.name in seen:
                raise SyntaxError_(f"parameter '{p.name}' is declared twice", p.span)
            seen.add(p.name)
        return params

    def param(self, meta, c):
        name, typ, default = c
        return ast.Param(name.value, typ.value if typ is not None else None, default, self._span(meta))

    def body(self, meta, c):
        return list(c)

    def doc(self, meta, c):
        return ast.Doc(unquote(c[0].value), self._span(meta))

    # -- statements ----------------------------------------------------------------------------
    def let_stmt(self, meta, c):
        return ast.Let(c[0].value, c[1], self._span(meta))

    def option_stmt(self, meta, c):
        return ast.Option(c[0].value, c[1], self._span(meta))

    def input_stmt(self, meta, c):
        return ast.Input(c[0].value, [d for d in c[1:] if d is not None], self._span(meta))

    def bind_stmt(self, meta, c):
        *targets, chain = c
        return ast.Bind(targets[0], chain, self._span(meta), more=targets[1:])

    def if_stmt(self, meta, c):
        cond, body, *rest = c
        orelse = rest.pop() if rest and not isinstance(rest[-1], tuple) else None
        return ast.If([(cond, body), *rest], orelse, self._span(meta))

    def elif_(self, meta, c):
        return (c[0], c[1])

    def else_(self, meta, c):
        return c[0]

    def for_stmt(self, meta, c):
        return ast.For(c[0].value, c[2], c[3], self._span(meta))

    def range(self, meta, c):
        return ast.Range(c[0], c[2], c[1].value == "..=", self._span(meta))

    # -- chains --------------------------------------------------------------------------------
    def chain(self, meta, c):
        return ast.Chain(list(c), self._span(meta))

    def element(self, meta, c):
        label, item, repeat = c
        count, index = repeat if repeat is not None else (None, None)
        return ast.Element(label, item, count, self._span(meta), index=index)

    def label(self, meta, c):
        return c[0]

    def repeat(self, meta, c):
        op, count, index = c
        if op.value != "*":
            raise SyntaxError_(f"unexpected '{op.value}' after a layer", self._tspan(op),
                               hint="repeat an element with '*': basic(64) * 3")
        return count, index.value if index is not None else None

    def call(self, meta, c):
        name, args = c
        positional, keywords = [], []
        for arg in args or []:
            if isinstance(arg, ast.Keyword):
                if any(k.name == arg.name for k in keywords):
                    raise SyntaxError_(f"keyword argument '{arg.name}' is given twice", arg.span)
                keywords.append(arg)
            elif keywords:
                raise SyntaxError_("a positional argument follows a keyword argument", _expr_span(arg),
                                   hint="put positional arguments first")
            else:
                positional.append(arg)
        return ast.Call(name.value, positional, keywords, args is not None, self._span(meta))

    def call_args(self, meta, c):
        return [a for a in c if a is not None]

    def kwarg(self, meta, c):
        return ast.Keyword(c[0].value, c[1], self._span(meta))

    def tref(self, meta, c):
        return ast.TemplateRef(self._template(c[0]), self._span(meta))

    def outputs(self, meta, c):
        return ast.Outputs(list(c), self._span(meta))

    def group(self, meta, c):
        return ast.Group(c[0], self._span(meta))

    def chain_if(self, meta, c):
        cond, body, *rest = c
        orelse = rest.pop() if rest and not isinstance(rest[-1], tuple) else None
        return ast.ChainIf([(cond, body), *rest], orelse, self._span(meta))

    def celif(self, meta, c):
        return (c[0], c[1])

    def celse(self, meta, c):
        return c[0]

    def cbody(self, meta, c):
        return c[0]

    def template(self, meta, c):
        return self._template(c[0])

    def _template(self, tok: Token) -> ast.Template:
        """Split `h{1..i}` into text and holes; each hole is parsed with the `template_part` rule."""
        text, parts, pos = tok.value, [], 0
        for m in _HOLE.finditer(text):
            if m.start() > pos:
                parts.append(text[pos:m.start()])
            inner = m[1]
            if not inner.strip():
                raise SyntaxError_("empty {} in a name template", self._tspan(tok), hint="write h{i}")
            saved = self.offset
            line = self.offset[0] or tok.line
            shift = (self.offset[1] if self.offset != (0, 0) else 0) + tok.column + m.start(1) - 1
            self.offset = (line, shift)
            try:
                parts.append(_run(self.parser, inner, "template_part", self.source, self))
            finally:
                self.offset = saved
            pos = m.end()
        if pos < len(text):
            parts.append(text[pos:])
        return ast.Template(parts, self._tspan(tok))


def _expr_span(e) -> Span:
    return e.span


def _take_doc(items: list, where: str) -> tuple[ast.Doc | None, list]:
    """The leading docstring of a file, block or model; a string anywhere else is a mistake."""
    doc = None
    if items and isinstance(items[0], ast.Doc):
        doc, items = items[0], items[1:]
    for item in items:
        if isinstance(item, ast.Doc):
            raise SyntaxError_("a string here does nothing", item.span,
                               hint=f"a docstring must come first in its {where}; use # for comments")
    return doc, items


def _define(table: dict, other: dict, item) -> None:
    if item.name in table or item.name in other:
        raise SyntaxError_(f"'{item.name}' is defined twice in this file", item.span,
                           hint="rename one of the definitions")
    table[item.name] = item


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, _ToAst, Layout]:
    transformer, layout = _ToAst(), Layout()
    grammar = grammar_path().read_text()
    cache = cache_file(grammar)  # the grammar analysis takes ~0.7 s; loading it ~0.05 s
    lark = Lark(grammar, **OPTIONS, postlex=layout, cache=cache or False)
    if cache is not None:
        try:
            os.chmod(cache, 0o600)  # Lark writes it with the umask's mode
        except OSError:
            pass
    transformer.parser, layout.spans = lark, transformer
    return lark, transformer, layout


_LOCK = threading.RLock()


def parse(text: str | Source, path: str = "<string>") -> ast.File:
    """Parse .rg text into an `ast.File` (comments included); SyntaxError_ on bad input.

    Given a Source (the loader's, read from a file), spans point at it and `path` is not used.
    """
    source = text if isinstance(text, Source) else Source(path, text)
    _check_size(source)
    lark, transformer, layout = _parser()
    with _LOCK:
        layout.comments, layout.count = [], 0
        transformer.source, transformer.offset = source, (0, 0)
        file = _run(lark, source.text, "start", source, transformer)
        file.comments = [ast.Comment(t.value, _tok_span(t, source)) for t in layout.comments]
    return file


def _check_size(source: Source, what: str = "the file") -> None:
    """Refuse a text of more than MAX_CHARS characters or MAX_TOKENS tokens before the (slow) parser sees it."""
    if len(source.text) > MAX_CHARS:
        raise LimitError(f"{what} has {len(source.text):,} characters, more than the limit {MAX_CHARS:,}",
                         Span(source, 0, 0), hint="write repeated layers with loops, repetitions (* n) and blocks")
    limit = postlex.MAX_TOKENS  # one limit, the post-lexer's: this counts first, cheaply
    count, pos = quick_count(source.text, limit)
    if count > limit:
        line = source.text.count("\n", 0, pos) + 1
        col = pos - source.text.rfind("\n", 0, pos)
        raise LimitError(f"{what} has more than {limit} tokens", Span(source, line, col),
                         hint="write repeated layers with loops, repetitions (* n) and blocks")


def quick_count(text: str, limit: int) -> tuple[int, int]:
    """At most as many tokens as the lexer makes of `text`, counted until past `limit`, and where
    the last one counted starts. A name template counts once, and once more for each token inside
    its holes: the parser reads each hole on its own, and those tokens add to the file's."""
    count = 0
    for m in _TOKENISH.finditer(text):
        count += 1
        if m.lastgroup == "template":
            count += sum(1 for hole in _HOLE.finditer(m[0]) for _ in _TOKENISH.finditer(hole[1]))
        if count > limit:
            return count, m.start()
    return count, len(text)


def parse_expr(text: str, path: str = "<value>") -> ast.Expr:
    """Parse one expression (a command-line literal)."""
    source = Source(path, text)
    _check_size(source, "the value")
    lark, transformer, layout = _parser()
    with _LOCK:
        saved = transformer.source, transformer.offset, layout.count
        transformer.source, transformer.offset, layout.count = source, (0, 0), 0
        try:
            return _run(lark, text, "literal", source, transformer)
        finally:
            transformer.source, transformer.offset, layout.count = saved


def _run(lark: Lark, text: str, start: str, source: Source | None, transformer: _ToAst):
    try:
        return transformer.transform(lark.parse(text, start=start))
    except UnexpectedInput as exc:
        raise syntax_error(exc, source, transformer.offset, lark) from None
    except VisitError as exc:
        raise exc.orig_exc from None
    except RecursionError:
        raise LimitError("the spec nests too deeply to parse", Span(source, 1, 1),
                         hint="split long expressions with let bindings") from None


