"""Lark's parse failures as located `SyntaxError_`s with hints a person can act on."""

from __future__ import annotations

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..errors import Source, Span, SyntaxError_

_PRETTY = {
    "_NL": "end of line", "$END": "end of file", "NAME": "a name", "INT": "an integer",
    "FLOAT": "a number", "STRING": "a string", "TEMPLATE": "a name template", "PATH": "a dotted name",
    "COMP_OP": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*', '/', '//' or '%'",
    "RANGE_OP": "'..' or '..='",
}


def _describe(terminal: str, lark: Lark) -> str:
    if terminal in _PRETTY:
        return _PRETTY[terminal]
    for t in lark.terminals:
        if t.name == terminal and t.pattern.type == "str":
            return f"'{t.pattern.value}'"
    return terminal.lower()


def syntax_error(exc: UnexpectedInput, source: Source | None, offset: tuple[int, int], lark: Lark) -> SyntaxError_:
    """Lark's failure as a located SyntaxError_ that names the token and what would have fit."""
    line, col = exc.line if exc.line and exc.line > 0 else 1, exc.column if exc.column and exc.column > 0 else 1
    if offset != (0, 0):
        line, col = offset[0], col + offset[1]
    if isinstance(exc, UnexpectedCharacters):
        char = source.text[exc.pos_in_stream] if source and offset == (0, 0) and exc.pos_in_stream < len(source.text) else exc.char
        return SyntaxError_(f"unexpected character {char!r}", Span(source, line, col, line, col + 1),
                            hint=_char_hint(char))
    tok = exc.token if isinstance(exc, UnexpectedToken) else None
    expected = sorted({_describe(t, lark) for t in getattr(exc, "expected", ()) or ()})
    if tok is None or tok.type == "$END":
        what = "end of file"
        if source is not None and offset == (0, 0):
            lines = source.text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
    elif tok.type == "_NL":
        what = "end of line"
    else:
        what = f"'{tok.value}'"
        if tok.end_column and tok.line == tok.end_line:
            return SyntaxError_(f"unexpected {what}", Span(source, line, col, line, col + (tok.end_column - tok.column)),
                                hint=_expect_hint(expected))
    return SyntaxError_(f"unexpected {what}", Span(source, line, col, line, col + 1), hint=_expect_hint(expected))


def _expect_hint(expected: list[str]) -> str | None:
    if not expected:
        return None
    if len(expected) > 8:
        return None
    return "expected " + ", ".join(expected[:-1]) + (" or " if len(expected) > 1 else "") + expected[-1]


def _char_hint(char: str) -> str | None:
    if char == "{":
        return "a name template is written without a space: h{i}"
    if char == "'":
        return "strings use double quotes: \"...\""
    return None
