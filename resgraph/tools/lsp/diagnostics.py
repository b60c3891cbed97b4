"""resgraph's diagnostics as LSP diagnostics: exact ranges, the help text, notes as related places.

An error in a file the document imports is shown in the document, its message led by the place it
is at, which a related location also names: the editor shows it where the user is, and one click
goes to it. An error in an imported block's body is shown at the first instance of that block made
in the document (often the call to fix: a block given the wrong channels); any other at the import
that brings its file in.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from lsprotocol import types

from ...errors import Diagnostic, Span
from .analysis import Analysis
from .ast_index import inside, trimmed
from .positions import Positions
from .targets import blocks_in_scope

SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "note": types.DiagnosticSeverity.Information}


def lsp_diagnostics(analysis: Analysis, positions: Positions, uri_of: Callable[[str], str]) -> list[types.Diagnostic]:
    """The document's diagnostics; `uri_of` turns a Source path into a URI."""
    return [to_lsp(d, analysis, positions, uri_of) for d in analysis.diagnostics]


def to_lsp(d: Diagnostic, analysis: Analysis, positions: Positions, uri_of: Callable[[str], str]) -> types.Diagnostic:
    here = analysis.source.path
    message = d.message
    related = []
    span = d.span
    if span is not None and span.source is not None and span.source.path != here and span.line > 0:
        route = analysis.routes.get(span.source.path)
        message = f"{_short(span, here)}: {message}"
        related.append(types.DiagnosticRelatedInformation(
            types.Location(uri_of(span.source.path), positions.range(span)), d.message))
        span = _instance_here(analysis, span) or (trimmed(route.source, route) if route is not None else None)
    if d.hint:
        message += f"\nhelp: {d.hint}"
    for note in d.notes:
        if note.span is not None and note.span.source is not None and note.span.line > 0:
            related.append(types.DiagnosticRelatedInformation(
                types.Location(uri_of(note.span.source.path), positions.range(note.span)), note.message))
        else:
            message += f"\nnote: {note.message}"
    kind = d.kind.__name__.rstrip("_") if d.kind is not None else None
    return types.Diagnostic(range=positions.range(span), message=message, severity=SEVERITY.get(d.severity),
                            code=kind, source="resgraph", related_information=related or None)


def _instance_here(analysis: Analysis, span: Span) -> Span | None:
    """Where the document makes the instance of the imported block whose body holds `span` (the
    innermost scope around it that this document wrote): the least whole instance (`GraphIndex.health`)."""
    here, pos = analysis.source.path, (span.line, span.col)
    block = next((name for name, (bdef, home) in blocks_in_scope(analysis).items()
                  if home is not None and home.source.path == span.source.path and inside(bdef.span, pos)), None)
    for r in analysis.models.values():
        paths = r.index.block_instances(block) if block else []
        for path in sorted(paths, key=lambda p: r.index.health(p, span))[:1]:
            while path:
                scope = r.graph.scopes.get(path)
                if scope is not None and scope.span.source is not None and scope.span.source.path == here:
                    return scope.span
                path = path.rpartition(".")[0]
    return None


def _short(span: Span, here: str) -> str:
    """The place of `span` as the message leads with it: relative to the document's folder."""
    path = span.source.path
    try:
        shown = os.path.relpath(path, os.path.dirname(here)) if os.path.isabs(here) else path
    except ValueError:  # another drive
        shown = path
    if shown.startswith(".." + os.sep + ".."):
        shown = os.path.basename(path)
    return f"{shown}:{span.line}:{span.col}"
