"""What every subcommand shares: diagnostics to stderr, exit codes 0 (ok) / 1 (errors) / 2 (usage)."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator

import typer

from ..errors import ResgraphError, UsageError


def print_diagnostics(diagnostics) -> None:
    for d in diagnostics:
        print(d.render(), file=sys.stderr)


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn a ResgraphError into diagnostics on stderr and exit code 1 (2 for usage errors)."""
    try:
        yield
    except ResgraphError as exc:
        print_diagnostics(exc.diagnostics)
        raise typer.Exit(2 if isinstance(exc, UsageError) else 1) from None


def parse_params(pairs: list[str] | None) -> dict:
    """`-p name=value` pairs; values are .rg literals (ints, floats, bools, strings, lists)."""
    from ..syntax.loader import parse_literal

    params = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-p expects NAME=VALUE, got '{pair}'")
        params[name.strip()] = parse_literal(value.strip())
    return params


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise UsageError(f"--input-shape expects C,H,W (e.g. 3,224,224), got '{text}'") from None
