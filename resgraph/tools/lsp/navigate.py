"""Go to definition and find references, as (path, span) places.

A block is found across imports: its definition is in the file that defines it, its references
in every file of the document's unit and of the other open documents that see that same definition.
A value or variable lives in one definition: its binding and its reads are in that block or model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...errors import ResgraphError, Source, Span
from ...syntax import ast
from ...syntax.loader import import_path
from .analysis import Analysis
from .ast_index import Pos, bindings, name_span, references as reads, walk
from .files import EditorFiles
from .targets import BLOCK, IMPORT, INPUT_OF_BLOCK, MODEL, VALUE, VARIABLE, blocks_in_scope, models_in_scope, target_at

Place = tuple[str, Span]  # a file's path and a span in it


def definition(analysis: Analysis, pos: Pos) -> list[Place]:
    t = target_at(analysis, pos)
    if t is None:
        return []
    if t.kind == IMPORT:
        base = analysis.path.resolve().parent if analysis.path is not None else Path.cwd()
        try:
            target = import_path(t.node, base)
        except ResgraphError:
            return []
        return [(str(target), Span(Source(str(target), ""), 1, 1, 1, 1))]
    if t.kind == BLOCK:
        bdef, home = blocks_in_scope(analysis)[t.name]
        return [_def_place(analysis, bdef, home)]
    if t.kind == MODEL:
        entry = models_in_scope(analysis).get(t.name)
        return [_def_place(analysis, *entry)] if entry is not None else []
    if t.kind in (VALUE, VARIABLE):
        return [(analysis.source.path, b.span) for b in t.binds]
    if t.kind == INPUT_OF_BLOCK:
        return [(analysis.source.path, name_span(analysis.source, t.defn))]
    return []


def _def_place(analysis: Analysis, defn, home) -> Place:
    source = home.source if home is not None else analysis.source
    return (source.path, name_span(source, defn))


def references(analysis: Analysis, pos: Pos, files: EditorFiles, include_declaration: bool,
               others: Sequence[Analysis] = ()) -> list[Place]:
    """Where the block, model, value or variable at `pos` is used (and defined, if asked)."""
    t = target_at(analysis, pos)
    if t is None:
        return []
    if t.kind in (VALUE, VARIABLE):
        places = [(analysis.source.path, s) for s in reads(t.defn, t.name)]
        if include_declaration:
            places = [(analysis.source.path, b.span) for b in t.binds] + places
        return _unique(places)
    if t.kind not in (BLOCK, MODEL):
        return []
    table = blocks_in_scope if t.kind == BLOCK else models_in_scope
    entry = table(analysis).get(t.name)
    if entry is None:
        return []
    defn, home = entry
    places = [_def_place(analysis, defn, home)] if include_declaration else []
    for a in [analysis, *others]:
        if a.unit is None or table(a).get(t.name, (None,))[0] is not defn:
            continue  # that document sees another definition of the name, or none
        for source in a.sources():
            file = a.file if source is a.source else files.parsed(source)
            if file is not None:
                places += [(source.path, s) for s in _calls(source, file, t.name, t.kind)]
    return _unique(places)


def _calls(source: Source, file: ast.File, name: str, kind: str) -> list[Span]:
    """The calls of block `name` in a file (a bare name that the definition binds as a value reads
    that value instead), or the derivations from model `name`."""
    found = []
    for item in file.items:
        if kind == MODEL and isinstance(item, ast.ModelDef) and item.base is not None and item.base.name == name:
            found.append(_head(source, item.base.span, name))
        if kind != BLOCK or not isinstance(item, (ast.BlockDef, ast.ModelDef)):
            continue
        values = {b.name for b in bindings(source, item) if b.is_value}
        for node in walk(item):
            if isinstance(node, ast.Call) and node.name == name and (node.parens or name not in values):
                found.append(_head(source, node.span, name))
    return found


def _head(source: Source, span: Span, name: str) -> Span:
    """The name at the start of a call's span."""
    return Span(source, span.line, span.col, span.line, span.col + len(name))


def _unique(places: list[Place]) -> list[Place]:
    seen, out = set(), []
    for path, span in places:
        key = (path, span.line, span.col)
        if key not in seen:
            seen.add(key)
            out.append((path, span))
    return out
