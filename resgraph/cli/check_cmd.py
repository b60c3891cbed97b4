"""`resgraph check SOURCE...`: check every model of each source; diagnostics to stderr.

Exit 0 when every model is valid, 1 when any has errors, 2 for bad usage (a missing file).
"""

from __future__ import annotations

from typing import List, Optional

import typer

from ..errors import GraphError, ResgraphError, Span, UsageError
from .common import PLUGIN_OPTION, parse_params, parse_shape, print_diagnostics


def models_of(source: str):
    """(path, models to check, blocks the file sees): one model if named, else all in the file.

    A file with neither models nor blocks (an empty one) is an error: passing it would say "ok"
    about nothing.
    """
    from ..syntax.loader import load_unit, resolve

    path, model = resolve(source, None)
    if model is not None:
        return path, [model], []
    unit = load_unit(path)
    if not unit.file.models and not unit.blocks:
        raise GraphError("defines no model and no block: there is nothing to check", Span.file(path),
                         hint="add a model: model net { input x[3, 32, 32] ... }")
    return path, list(unit.file.models), list(unit.blocks)


def check_sources(sources: list[str], params: dict, input_shape) -> int:
    from ..syntax.loader import load_graph

    status = 0

    def attempt(fn, *args, **kwargs):
        """Run one step; on a ResgraphError print it and raise the exit status (2 for usage)."""
        nonlocal status
        try:
            return fn(*args, **kwargs)
        except ResgraphError as exc:
            print_diagnostics(exc.diagnostics)
            status = max(status, 2 if isinstance(exc, UsageError) else 1)
            return None

    for source in sources:
        found = attempt(models_of, source)
        if found is None:
            continue
        path, models, blocks = found
        if not models:  # a library of blocks: parsing and resolving its imports is the check
            typer.echo(f"{path}: ok, no models; {len(blocks)} block{'s' * (len(blocks) != 1)}: "
                       f"{', '.join(blocks)}")
        for model in models:
            graph = attempt(load_graph, path, model=model, input_shape=input_shape, params=params)
            if graph is None:
                continue
            print_diagnostics(graph.warnings)
            out = graph.type_of(graph.output) if graph.output else None
            typer.echo(f"{path}:{graph.name}: ok, {len(graph)} nodes, {graph.param_count():,} params, "
                       f"output {out}")
    return status


def register(app) -> None:
    @app.command("check")
    def check(
        sources: List[str] = typer.Argument(..., help="files, file.rg:model, or zoo model names"),
        plugin: list[str] | None = PLUGIN_OPTION,
        param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="NAME=VALUE model parameter"),
        input_shape: Optional[str] = typer.Option(None, "--input-shape", help="C,H,W"),
    ) -> None:
        """Check .rg specs statically: names, channels, spatial sizes, cycles."""
        try:
            params = parse_params(param)
            shape = parse_shape(input_shape)
        except UsageError as exc:
            print_diagnostics(exc.diagnostics)
            raise typer.Exit(2) from None
        raise typer.Exit(check_sources(sources, params, shape))
