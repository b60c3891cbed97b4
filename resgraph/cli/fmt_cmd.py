"""`resgraph fmt FILE...`: rewrite .rg specs in the canonical layout (comments kept).

`--check` writes nothing and exits 1 listing the files that would change, for CI. A file that does
not parse is reported with the usual diagnostics and left untouched (exit 1); one that cannot be
read (missing, not a regular file, not UTF-8 text) exits 2. Files are rewritten atomically: the new
text goes to a temporary file beside the spec, which then replaces it, so a failed write (a full
disk, a read-only file or folder) leaves the spec as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import List

import typer

from ..errors import ResgraphError, Span, UsageError
from .common import PLUGIN_OPTION, print_diagnostics


def format_files(paths: list[str], check: bool) -> int:
    from ..syntax.fmt import format_text
    from ..syntax.loader import read_source

    status = 0
    for name in paths:
        path = Path(name)
        try:
            text = read_source(path).text
        except ResgraphError as exc:
            print_diagnostics(exc.diagnostics)
            status = max(status, 2)
            continue
        try:
            formatted = format_text(text, name)
            if formatted != text and not check:
                write_atomic(path, formatted)
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
            typer.echo(f"reformatted {name}")
    return status


def write_atomic(path: Path, text: str) -> None:
    """Replace the file `path` names (through a symlink) with `text`, keeping its permission bits.

    A read-only spec is refused rather than replaced: its mode says the user wants it kept.
    """
    tmp = None
    try:
        target = Path(os.path.realpath(path))
        mode = stat.S_IMODE(os.stat(target).st_mode)
        if not os.access(target, os.W_OK):
            raise UsageError("the file is read-only; left unchanged", Span.file(str(path)),
                             hint="make it writable to format it")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write the file: {exc.strerror or exc}; left unchanged",
                             Span.file(str(path))) from None
        raise


def register(app) -> None:
    @app.command("fmt")
    def fmt(
        files: List[str] = typer.Argument(..., help=".rg files to format in place"),
        plugin: list[str] | None = PLUGIN_OPTION,
        check: bool = typer.Option(False, "--check", help="write nothing; exit 1 if any file would change"),
    ) -> None:
        """Format .rg specs in the canonical layout, keeping comments and docstrings."""
        raise typer.Exit(format_files(files, check))
