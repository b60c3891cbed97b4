"""Diagnostics: every user-facing failure is a ResgraphError that points at a place in a source file.

A `Span` names a region of a `Source`; a `Diagnostic` is one message about one span; a
`ResgraphError` carries one or more diagnostics so that a check can report every independent
mistake in a file at once. `str(error)` renders them the way compilers do::

    net.rg:4:11: error: add() operands have different shapes: f is [64, 32, 32], x is [32, 32, 32]
        out = add(f, x) -> relu
              ^~~~~~~~~
    help: project x with a 1x1 convolution: x -> conv(64, 1) -> bn
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class Source:
    """A named text (a file, a string, or a Python file for builder-made graphs)."""

    path: str
    text: str

    def line(self, lineno: int) -> str:
        """Line `lineno` as the lexer counts lines: only "\\n" ends one (\\f, \\v, \\x85, U+2028 do not)."""
        starts = self._line_starts
        if not 1 <= lineno <= len(starts):
            return ""
        end = starts[lineno] - 1 if lineno < len(starts) else len(self.text)
        return self.text[starts[lineno - 1]:end].removesuffix("\r")

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        """Where each line begins, found once: a file with many errors is not re-split for each.
        (cached_property writes the instance's __dict__, which a frozen dataclass allows; two
        threads racing here compute the same list.)"""
        return [0, *(m.end() for m in re.finditer("\n", self.text))]


@dataclass(frozen=True)
class Span:
    """1-based line/column region of a source; end is exclusive and may be on a later line.

    Line 0 with a source means the whole file (see `Span.file`): it renders as `path`, no line:col.
    """

    source: Source | None
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    @property
    def path(self) -> str:
        return self.source.path if self.source else "<unknown>"

    @classmethod
    def file(cls, path: str) -> Span:
        """A whole file, for errors about the file itself (unreadable, not text, no model)."""
        return cls(Source(str(path), ""), 0, 0)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line > 0 else self.path

    def __repr__(self) -> str:
        return f"Span({self})"


UNKNOWN_SPAN = Span(None, 0, 0)


@dataclass
class Diagnostic:
    severity: str  # "error" | "warning" | "note"
    message: str
    span: Span | None = None
    hint: str | None = None
    notes: list[Diagnostic] = field(default_factory=list)
    kind: type[ResgraphError] | None = None

    def render(self) -> str:
        span = self.span
        where = f"{span}: " if span is not None and (span.line > 0 or span.source is not None) else ""
        out = [f"{where}{self.severity}: {self.message}"]
        out.extend(_excerpt(self.span))
        if self.hint:
            out.append(f"help: {self.hint}")
        for note in self.notes:
            out.append(note.render())
        return "\n".join(out)


# Characters that would act on the terminal instead of showing (escapes, bidi overrides): shown as '?'.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


EXCERPT_WIDTH = 100  # columns of a long line shown around the caret


def _excerpt(span: Span | None) -> list[str]:
    """The source line and a caret under the span (tildes to the end of a one-line span).

    A line longer than EXCERPT_WIDTH is cut to a window around the caret, marked with '…' where
    it goes on, so a 1 MB line prints 100 columns, not a megabyte.
    """
    if span is None or span.source is None or span.line <= 0:
        return []
    line = span.source.line(span.line)
    start = max(0, min(span.col - 1 - EXCERPT_WIDTH // 3, len(line) - EXCERPT_WIDTH))
    end = start + EXCERPT_WIDTH
    # one column per character, as the columns count: tabs as one space, controls as '?'
    text = _UNPRINTABLE.sub("?", line[start:end].expandtabs(1))
    if not text.strip():
        return []
    caret = span.col - 1 - start
    width = 1
    if span.end_line == span.line and span.end_col and span.end_col > span.col:
        width = span.end_col - span.col
    width = max(1, min(width, len(text) - caret))
    if start > 0:
        text, caret = "…" + text, caret + 1
    if end < len(line):
        text += "…"
    return [f"    {text}", "    " + " " * caret + "^" + "~" * (width - 1)]


class ResgraphError(Exception):
    """Base of every error a user can cause. Holds one or more diagnostics."""

    def __init__(
        self,
        message: str | None = None,
        span: Span | None = None,
        *,
        hint: str | None = None,
        diagnostics: Sequence[Diagnostic] | None = None,
    ):
        if diagnostics is None:
            diagnostics = [Diagnostic("error", message or "", span, hint, kind=type(self))]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        # The first message, not the rendering: rendering reads the source line, and is done by
        # str() only when the error is shown (a check may raise and catch many errors).
        super().__init__(self.diagnostics[0].message if self.diagnostics else "")

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def span(self) -> Span | None:
        return self.diagnostics[0].span

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()


class SyntaxError_(ResgraphError):
    """The text does not parse."""


class NameError_(ResgraphError):
    """Undefined, duplicate or unknown names (nodes, blocks, ops, parameters, attributes)."""


class TypeError_(ResgraphError):
    """A value of the wrong type or out of range for an attribute or parameter."""


class ShapeError(ResgraphError):
    """Channels or spatial sizes that do not fit together."""


class CycleError(ResgraphError):
    """The graph has a cycle."""


class ImportError_(ResgraphError):
    """An import that cannot be found or that imports itself."""


class LimitError(ResgraphError):
    """A spec that would grow without bound: huge loops, recursion, absurd sizes."""


class GraphError(ResgraphError):
    """A structural problem: no output, no input, a bad edge."""


class CompileError(ResgraphError):
    """The graph cannot be lowered to PyTorch."""


class WeightsError(ResgraphError):
    """Saved weights that do not match the spec they are loaded into."""


class UsageError(ResgraphError):
    """Bad arguments to the API or the command line."""


class ConversionError(ResgraphError):
    """A PyTorch module that `resgraph import` cannot write as a spec: a call no op reads, a
    forward that cannot be traced, an imported spec that does not compute what the module does."""


class Diagnostics:
    """Collects diagnostics during a pass so that independent errors are all reported."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(
        self,
        kind: type[ResgraphError],
        message: str,
        span: Span | None = None,
        hint: str | None = None,
        notes: Iterable[Diagnostic] = (),
    ) -> None:
        self.items.append(Diagnostic("error", message, span, hint, list(notes), kind))

    def warning(self, message: str, span: Span | None = None, hint: str | None = None) -> None:
        self.items.append(Diagnostic("warning", message, span, hint))

    def add(self, error: ResgraphError) -> None:
        self.items.extend(error.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if_errors(self) -> None:
        errors = self.errors
        if errors:
            raise (errors[0].kind or ResgraphError)(diagnostics=errors)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
