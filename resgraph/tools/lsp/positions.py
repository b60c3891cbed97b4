"""Spans ⇄ LSP positions.

A `Span` counts lines from 1 and columns from 1 in characters, as the lexer does (only "\\n" ends
a line; a tab is one column); its end is exclusive. LSP counts both from 0, and columns in the
code units of the encoding agreed at initialize: UTF-16 unless the client offers UTF-8 or UTF-32.
A character outside the Basic Multilingual Plane is one column to us and two to a UTF-16 client.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from ...errors import Source, Span


def units(text: str, encoding: str) -> int:
    """How many code units `text` takes in `encoding` ("utf-8", "utf-16" or "utf-32")."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


@dataclass(frozen=True)
class Positions:
    """Converts between spans and LSP positions in one encoding."""

    encoding: str = "utf-16"

    def position(self, source: Source | None, line: int, col: int) -> types.Position:
        """The LSP position of 1-based (line, col) in `source`."""
        if line <= 0:
            return types.Position(0, 0)
        text = source.line(line) if source is not None else ""
        return types.Position(line - 1, units(text[:max(col - 1, 0)], self.encoding))

    def range(self, span: Span | None) -> types.Range:
        """The LSP range of a span; a span without a line (the whole file) is the file's start, and
        one without an end covers the word it starts (one character at least)."""
        if span is None or span.line <= 0:
            return types.Range(types.Position(0, 0), types.Position(0, 0))
        start = self.position(span.source, span.line, span.col)
        if span.end_line is not None and span.end_col is not None:
            return types.Range(start, self.position(span.source, span.end_line, span.end_col))
        text = span.source.line(span.line) if span.source is not None else ""
        end = span.col
        while end <= len(text) and (text[end - 1].isalnum() or text[end - 1] == "_"):
            end += 1
        return types.Range(start, self.position(span.source, span.line, max(end, span.col + 1)))

    def to_span(self, source: Source, position: types.Position) -> tuple[int, int]:
        """The 1-based (line, col) of an LSP position; a column past the line's end is its end."""
        text = source.line(position.line + 1)
        if self.encoding == "utf-32":
            return position.line + 1, min(position.character, len(text)) + 1
        count = 0
        for i, ch in enumerate(text):
            if count >= position.character:
                return position.line + 1, i + 1
            count += units(ch, self.encoding)
        return position.line + 1, len(text) + 1
