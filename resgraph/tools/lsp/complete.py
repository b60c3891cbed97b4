"""Completion: op names with their signatures, blocks in scope, names in scope, and inside a call
its attribute keywords (an op's) or parameters (a block's or a base model's).

While typing, the text seldom parses, so the context is read from the text before the cursor, and
the names from the text without the cursor's line if that parses, else from the latest version
that parsed (`good`).
"""

from __future__ import annotations

import re
from pathlib import Path

from lsprotocol import types

from ... import zoo
from ...errors import ResgraphError, Source
from ...ir import ops
from ...ir.ops.table import signature
from ...syntax import ast
from ...syntax.parser import parse
from .analysis import Analysis
from .ast_index import Pos, bindings, definition_at
from .hover import attr_text, block_header
from .targets import blocks_in_scope, models_in_scope

KEYWORDS = ("block", "model", "input", "let", "option", "import", "for", "in", "if", "else", "by",
            "and", "or", "not", "true", "false", "none", "out")
TYPES = ("int", "float", "bool", "str", "list", "tensor")
LOOK_BACK = 4000  # characters searched for the call the cursor is in
_IMPORT = re.compile(r'^\s*import\s+("?)([^"\s]*)$')
_GIVEN = re.compile(r"(\w+)\s*=(?!=)")
# A line that starts a statement (fmt writes a binding's `=` with spaces, a keyword argument's without)
_STATEMENT = re.compile(r"\s*([\w.{}]+(\s*,\s*[\w.{}]+)*\s+=\s|(let|input|option|for|if|model|block|import)\s|\})")


def completions(text: str, pos: Pos, analysis: Analysis, good: Analysis | None) -> list[types.CompletionItem]:
    """What may be written at `pos` in `text` (the document now; `analysis` is of this text)."""
    good = good or analysis
    lines = text.split("\n")
    if pos[0] - 1 >= len(lines):
        return []
    before = lines[pos[0] - 1][:pos[1] - 1]
    m = _IMPORT.match(before)
    if m:
        return _imports(analysis, quoted=bool(m.group(1)))
    if _in_comment_or_string(before):
        return []
    offset = sum(len(line) + 1 for line in lines[:pos[0] - 1]) + len(before)
    call = _open_call(text, offset)
    names = _names(*_parsed_around(analysis, good, lines, pos[0]), pos[0])
    if call is not None:
        callee, written, is_params = call
        if is_params:  # a definition's parameters: after `name:`, a type
            last = written.rsplit(",", 1)[-1]
            typing = ":" in last and "=" not in last
            return [_item(t, types.CompletionItemKind.TypeParameter, "type") for t in TYPES] if typing else []
        args = _top_level(written)[:-1]  # the arguments written before the one being typed
        given = {m.group(1) for a in args for m in [_GIVEN.match(a.strip())] if m}
        positional = sum(1 for a in args if not _GIVEN.match(a.strip()))
        return _keywords_of(good, callee, given, positional) + names
    chain = before.rstrip().endswith("->") or before.rstrip().endswith("[")
    items = _ops(chain) + _blocks(good, chain) + names
    if not chain:
        items += [_item(k, types.CompletionItemKind.Keyword, "keyword", sort="3") for k in KEYWORDS]
    return items


def _item(label: str, kind, detail: str = "", doc: str | None = None, sort: str = "2",
          insert: str | None = None) -> types.CompletionItem:
    return types.CompletionItem(
        label=label, kind=kind, detail=detail or None, sort_text=f"{sort}{label}",
        documentation=types.MarkupContent(types.MarkupKind.Markdown, doc) if doc else None,
        insert_text=insert)


def _ops(chain: bool) -> list[types.CompletionItem]:
    return [_item(op.name, types.CompletionItemKind.Function, signature(op), op.summary, "0" if chain else "1")
            for op in ops.all_ops() if op.max_inputs != 0]


def _blocks(analysis: Analysis, chain: bool) -> list[types.CompletionItem]:
    return [_item(name, types.CompletionItemKind.Class, block_header(bdef, home), bdef.doc, "0" if chain else "1")
            for name, (bdef, home) in blocks_in_scope(analysis).items()]


def _parsed_around(analysis: Analysis, good: Analysis, lines: list[str], line: int) -> tuple[Source, ast.File | None]:
    """A parse of the document to read names from: this text's, else this text's without the
    line being typed, else the latest one that parsed."""
    if analysis.file is not None:
        return analysis.source, analysis.file
    source = Source(analysis.source.path, "\n".join([*lines[:line - 1], "", *lines[line:]]))
    try:
        return source, parse(source)
    except ResgraphError:
        return good.source, good.file


def _names(source: Source, file: ast.File | None, line: int) -> list[types.CompletionItem]:
    """The names bound in the definition around `line`."""
    defn = definition_at(file, line) if file is not None else None
    if defn is None:
        return []
    seen, out = set(), []
    for b in bindings(source, defn):
        if b.name not in seen:
            seen.add(b.name)
            kind = types.CompletionItemKind.Variable if b.is_value else types.CompletionItemKind.Constant
            out.append(_item(b.name, kind, b.kind))
    return out


def _keywords_of(analysis: Analysis, callee: str, given: set[str], positional: int) -> list[types.CompletionItem]:
    """The `name=` arguments a call of `callee` still lacks (neither given by name nor among the
    first `positional` ones): an op's attributes, a block's or a base model's parameters."""
    blocks, models = blocks_in_scope(analysis), models_in_scope(analysis)
    if callee in blocks or callee in models:
        defn, home = blocks[callee] if callee in blocks else models[callee]
        what = f"`{block_header(defn, home)}`" if callee in blocks else f"model `{callee}`"
        return [_item(f"{p.name}=", types.CompletionItemKind.Property, f"{p.name}: {p.type or 'any'}",
                      f"parameter of {what}", "0") for p in defn.params[positional:] if p.name not in given]
    if ops.is_op(callee):
        opdef = ops.get(callee)
        fields = list(opdef.attrs.model_fields.items())
        skip = positional if opdef.operands == "chain" else 0  # a merge's positional arguments are values
        return [_item(f"{name}=", types.CompletionItemKind.Property,
                      "required" if f.is_required() else f"default {attr_text(f.default)}", f"`{signature(opdef)}`", "0")
                for name, f in fields[skip:] if name not in given]
    return []


def _top_level(text: str) -> list[str]:
    """`text` split at the commas outside brackets: `16, (3, 1), bias` → three arguments."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _imports(analysis: Analysis, quoted: bool) -> list[types.CompletionItem]:
    if not quoted:
        return [_item(p.stem, types.CompletionItemKind.Module, "shipped spec") for p in zoo.spec_files()]
    folder = analysis.path.parent if analysis.path is not None else Path.cwd()
    own = analysis.path.name if analysis.path is not None else None
    return [_item(p.name, types.CompletionItemKind.File, "spec file") for p in sorted(folder.glob("*.rg"))
            if p.name != own]


def _in_comment_or_string(before: str) -> bool:
    """Whether the cursor is in a comment or a one-line string (quotes counted on its line)."""
    quote = False
    for ch in before:
        if ch == '"':
            quote = not quote
        elif ch == "#" and not quote:
            return True
    return quote


def _open_call(text: str, offset: int) -> tuple[str, str, bool] | None:
    """The call whose parentheses hold `offset`: (callee, the text written inside it so far,
    whether it is a definition's parameter list), or None outside any call."""
    depth = 0
    i = offset - 1
    stop = max(0, offset - LOOK_BACK)
    while i >= stop:
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                if ch == "[":
                    return None
                m = re.search(r"(\w+)\s*$", text[stop:i])
                if m is None:
                    return None
                head = text[max(stop, i - 200):i]
                is_params = re.search(r"\b(block|model)\s+\w+\s*$", head) is not None
                return m.group(1), text[i + 1:offset], is_params
            depth -= 1
        elif ch in "{}":
            return None
        elif ch == "\n" and _STATEMENT.match(text, i + 1):
            return None  # the call is not closed, but a statement started since: the cursor is not in it
        i -= 1
    return None
