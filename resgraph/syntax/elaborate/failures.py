"""How elaboration fails: each error once, and quietly for whatever depends on it.

Each statement is elaborated on its own. When one fails, its error is recorded and the names it
would bind become ALREADY_FAILED, so that a later statement reading them raises AlreadyFailed and
is skipped without repeating the error.
"""

from __future__ import annotations

import dataclasses

from ...errors import Diagnostic, Diagnostics, ResgraphError
from .budget import MAX_ERRORS


class _AlreadyFailedMarker:
    def __repr__(self) -> str:
        return "<already failed>"


ALREADY_FAILED = _AlreadyFailedMarker()  # stands where a value would be when its statement failed


class AlreadyFailed(Exception):
    """Raised on reading ALREADY_FAILED: the cause is reported, so the reader is skipped quietly."""


class TooManyErrors(Exception):
    """MAX_ERRORS errors are recorded: stop elaborating and report those."""


class ErrorLog:
    """The errors found so far; stops elaboration at MAX_ERRORS distinct ones."""

    def __init__(self) -> None:
        self.diags = Diagnostics()
        self.distinct: set[tuple[str, str]] = set()
        self.stopped = False

    def record(self, exc: ResgraphError) -> None:
        """A failed statement's error; raises TooManyErrors at the MAX_ERRORS-th distinct one."""
        self.diags.add(exc)
        self.distinct.update((d.message, str(d.span)) for d in exc.diagnostics)
        if len(self.distinct) >= MAX_ERRORS:
            raise TooManyErrors() from None

    def errors(self) -> list[Diagnostic]:
        """Every error once, in the order found (a mistake in a block repeats per instance), at most
        MAX_ERRORS of them: the last then says that there may be more."""
        seen, out = set(), []
        for d in self.diags.errors:
            key = (d.message, str(d.span))
            if key not in seen:
                seen.add(key)
                out.append(d)
        if self.stopped or len(out) > MAX_ERRORS:
            out = out[:MAX_ERRORS]
            out[-1] = dataclasses.replace(out[-1], notes=[*out[-1].notes, Diagnostic(
                "note", f"stopped after {MAX_ERRORS} errors; fix these first")])
        return out
