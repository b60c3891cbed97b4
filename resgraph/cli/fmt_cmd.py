"""`resgraph fmt FILE...`: rewrite .rg specs in the canonical layout (comments kept).

`--check` writes nothing and exits 1 listing the files that would change, for CI. A file that does
not parse is reported with the usual diagnostics and left untouched (exit 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from ..errors import ResgraphError
from .common import print_diagnostics


def format_files(paths: list[str], check: bool) -> int:
    from ..syntax.fmt import format_text

    status = 0
    for name in paths:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}", err=True)
            status = max(status, 2)
            continue
        try:
            formatted = format_text(text, name)
        except ResgraphError as exc:
            print_diagnostics(exc.diagnostics)
            status = max(status, 1)
            continue
        if formatted == text:
            continue
        if check:
            typer.echo(f"would reformat {name}")
            status = max(status, 1)
        else:
            path.write_text(formatted, encoding="utf-8")
            typer.echo(f"reformatted {name}")
    return status


def register(app) -> None:
    @app.command("fmt")
    def fmt(
        files: List[str] = typer.Argument(..., help=".rg files to format in place"),
        check: bool = typer.Option(False, "--check", help="write nothing; exit 1 if any file would change"),
    ) -> None:
        """Format .rg specs in the canonical layout, keeping comments and docstrings."""
        raise typer.Exit(format_files(files, check))
