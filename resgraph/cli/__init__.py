"""The `resgraph` command. Each subcommand lives in its own module and registers itself here."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="resgraph",
    help="Check, compile, draw and analyze .rg architecture specs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMANDS = ["check", "compile", "zoo", "viz", "fmt", "summary", "analyze", "compare", "bench", "export",
            "import", "lsp"]

for _name in COMMANDS:
    importlib.import_module(f"{__name__}.{_name}_cmd").register(app)


def main() -> None:
    app()
