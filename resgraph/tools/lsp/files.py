"""How the language server reads specs: the editor's unsaved text before the disk, each text parsed once.

Every request (a keystroke's diagnostics, a hover, a completion) loads the document and its
imports again, so texts and parses are kept: an unchanged text gives the same `Source` and the
same AST, an imported file is not parsed again for each keystroke in the file importing it, and
elaboration results that depend only on unchanged definitions can be kept too (analysis.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from ...errors import ResgraphError, Source, Span
from ...syntax import ast
from ...syntax.loader import Reader

KEPT = 256  # texts kept (with their parses): every open document's recent versions and their imports


class EditorFiles(Reader):
    """A `syntax.loader.Reader` over the editor's open documents; `reads` lists, for the latest
    load, each file read and the import that read it (the import tree, for routing diagnostics)."""

    def __init__(self, open_text: Callable[[str], str | None] = lambda path: None) -> None:
        self.open_text = open_text  # a path → the open document's text, or None
        self.sources: OrderedDict[tuple[str, str], Source] = OrderedDict()
        self.parses: dict[int, ast.File | ResgraphError] = {}  # id(Source) → its parse
        self.reads: list[tuple[Path, Span | None]] = []

    def source(self, path: str, text: str) -> Source:
        """The one Source for this path and text (kept among the last KEPT)."""
        key = (path, text)
        found = self.sources.get(key)
        if found is not None:
            self.sources.move_to_end(key)
            return found
        found = self.sources[key] = Source(path, text)
        while len(self.sources) > KEPT:
            _, old = self.sources.popitem(last=False)
            self.parses.pop(id(old), None)
        return found

    def read(self, path: Path, span: Span | None, follow_symlinks: bool) -> Source:
        self.reads.append((path, span))
        text = self.open_text(str(path))
        if text is None:
            text = super().read(path, span, follow_symlinks).text
        return self.source(str(path), text)

    def parse(self, source: Source) -> ast.File:
        """The AST of a source, parsed once; a syntax error is kept and raised again."""
        if self.sources.get((source.path, source.text)) is not source:
            source = self.source(source.path, source.text)
        found = self.parses.get(id(source))
        if found is None:
            try:
                found = super().parse(source)
            except ResgraphError as exc:
                found = exc
            self.parses[id(source)] = found
        if isinstance(found, ResgraphError):
            raise found.with_traceback(None)
        return found

    def parsed(self, source: Source) -> ast.File | None:
        """The AST of a source, or None if it does not parse."""
        try:
            return self.parse(source)
        except ResgraphError:
            return None
