"""`resgraph fmt`'s engine: .rg text → the same spec in canonical layout, comments kept.

Formatting goes through the parser, so a file that does not parse is reported, never rewritten,
and the result always parses to the same AST (tests check that it loads to the same graph).
"""

from __future__ import annotations

from .parser import parse
from .layout import Renderer


def format_text(text: str, path: str = "<string>") -> str:
    """The canonical layout of a .rg text; raises SyntaxError_ if it does not parse."""
    file = parse(text, path)
    return Renderer(file.comments).file(file)
