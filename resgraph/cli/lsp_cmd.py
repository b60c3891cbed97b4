"""`resgraph lsp`: the language server for .rg files, on stdin and stdout (docs/lsp.md).

An editor starts it; it speaks the Language Server Protocol until the editor says exit. It needs
pygls, the `lsp` extra: without it the command says how to install it and exits 2.
"""

from __future__ import annotations

import importlib.util

import typer

from ..errors import UsageError
from .common import PLUGIN_OPTION, print_diagnostics


def check_pygls() -> None:
    if importlib.util.find_spec("pygls") is None or importlib.util.find_spec("lsprotocol") is None:
        raise UsageError("resgraph lsp needs pygls, which is not installed",
                         hint="pip install 'resgraph[lsp]'")


def register(app) -> None:
    @app.command("lsp")
    def lsp(
        plugin: list[str] | None = PLUGIN_OPTION,
        stdio: bool = typer.Option(False, "--stdio", help="accepted for the editors that pass it: "
                                   "stdin/stdout is the only transport"),
    ) -> None:
        """Run the .rg language server on stdin/stdout, for an editor to start."""
        try:
            check_pygls()
        except UsageError as exc:
            print_diagnostics(exc.diagnostics)
            raise typer.Exit(2) from None
        from .. import __version__
        from ..tools.lsp.server import serve

        raise typer.Exit(serve(__version__))
