"""`resgraph summary SOURCE`: a layer table with parameters, MACs, activations and merge inputs."""

from __future__ import annotations

import json

import typer

from .common import PLUGIN_OPTION, console, parse_params, parse_shape, reported


def load_graph(source: str, params: list[str] | None, input_shape: str | None):
    """A checked graph from a path, `file.rg:model` or a zoo name, with -p and --input-shape applied;
    a Python model (`timm:dpn68`) is imported, -p going to its constructor."""
    from ..api import load
    from ..tools.importer.reference import is_reference
    from .import_cmd import import_graph

    if is_reference(source):
        return import_graph(source, params, input_shape)
    return load(source, input_shape=parse_shape(input_shape), **parse_params(params))  # the loader splits file.rg:model


def register(app: typer.Typer) -> None:
    @app.command("summary")
    def summary(
        source: str = typer.Argument(..., help=".rg file (file.rg:model), a zoo model name, or a Python model (timm:dpn68)"),
        plugin: list[str] | None = PLUGIN_OPTION,
        depth: int | None = typer.Option(None, "--depth", "-d", help="fold names deeper than N levels into one row"),
        batch_size: int = typer.Option(1, "--batch-size", "-b", help="MACs and memory for this many samples"),
        param: list[str] | None = typer.Option(None, "--param", "-p", help="model parameter NAME=VALUE"),
        input_shape: str | None = typer.Option(None, "--input-shape", help="C,H,W instead of the declared input"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable rows and totals"),
        as_csv: bool = typer.Option(False, "--csv", help="rows as CSV"),
    ) -> None:
        """Layer table: output shape, parameters, MACs, activation size, inputs of every add/concat."""
        from ..errors import UsageError
        from ..tools.analysis import summarize
        from ..tools.analysis.tables import summary_footer, summary_table

        with reported():
            if as_json and as_csv:
                raise UsageError("choose one of --json and --csv")
            s = summarize(load_graph(source, param, input_shape), depth=depth, batch_size=batch_size)
            if as_json:
                typer.echo(json.dumps(s.to_dict(), indent=2))
            elif as_csv:
                typer.echo(s.to_csv(), nl=False)
            else:
                out = console()
                out.print(summary_table(s, out.width), crop=False)
                out.print(summary_footer(s, out.width), highlight=False, crop=False, soft_wrap=True)
