"""What every subcommand shares: diagnostics to stderr, exit codes 0 (ok) / 1 (errors) / 2 (usage)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

import typer

from ..errors import ResgraphError, Span, UsageError


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


def load_plugins(modules: list[str] | None) -> list[str] | None:
    """`--plugin package.module` (repeatable): import each module, which registers its ops, before
    the command reads any spec; one that fails to import is a usage error (exit 2)."""
    from ..ir.ops.registry import load_plugin

    try:
        for module in modules or []:
            load_plugin(module)
    except UsageError as exc:
        print_diagnostics(exc.diagnostics)
        raise typer.Exit(2) from None
    return modules


# One option for every command that reads specs; eager, so the ops exist before anything is loaded.
PLUGIN_OPTION = typer.Option(None, "--plugin", metavar="MODULE", callback=load_plugins, is_eager=True,
                             help="import a Python module that registers ops (resgraph.register_op); repeatable")


def console():
    """A Rich console as wide as the terminal; in a pipe, COLUMNS wide (80 without it), as Rich
    decides. Tables are fitted to `console().width`, so none is cut or squeezed."""
    from rich.console import Console

    return Console()


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


def check_device(text: str) -> str:
    """`--device`: cpu, cuda or cuda:N, and a CUDA one only where this torch sees that device."""
    import torch

    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise UsageError(f"--device expects cpu, cuda or cuda:N, got '{text}'")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {text}: this torch sees no CUDA device", hint="use --device cpu")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise UsageError(f"--device {text}: this machine has {torch.cuda.device_count()} CUDA device(s)",
                         hint="number them from cuda:0")
    return text


def check_output(path: Path, example: str = "model.py") -> None:
    """Fail before any work when `path` cannot be an output file (write_output catches the rest)."""
    if path.is_dir():
        raise UsageError("is a directory, not a file to write", Span.file(path),
                         hint=f"name a file, e.g. {path / example}")
    if path.parent.exists() and not path.parent.is_dir():
        raise UsageError(f"cannot write here: {path.parent} is a file, not a directory", Span.file(path))
    if not path.parent.is_dir():
        raise UsageError(f"cannot write here: the directory {path.parent} does not exist", Span.file(path),
                         hint=f"create it first (mkdir -p {path.parent})")


def write_output(path: Path, text: str) -> None:
    """`check_output`, then an atomic write (syntax.loader.write_file): all of the file or none."""
    from ..syntax.loader import write_file

    check_output(path)
    write_file(path, text)
