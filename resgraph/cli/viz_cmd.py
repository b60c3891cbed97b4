"""`resgraph viz`: draw a model's connectivity (skip and dense edges) to svg/png/pdf/dot/mmd/html."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperCommand

from ..errors import UsageError
from .common import PLUGIN_OPTION, check_output, parse_params, reported


def parse_depth(text: str) -> int | None | str:
    """`auto` (fold just enough to stay readable), `all` (every layer) or a block depth >= 1."""
    if text in ("auto", "all"):
        return None if text == "all" else "auto"
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise UsageError(f"--depth expects a number >= 1, 'auto' or 'all', got '{text}'",
                     hint="--depth 1 draws each top-level block as one box")


def split_source(source: str) -> tuple[str, str | None]:
    """`net.rg:model` → ("net.rg", "model"); anything else is a path or zoo name as it stands."""
    path, sep, model = source.rpartition(":")
    if sep and path.endswith(".rg") and model:
        return path, model
    return source, None


def viz(
    source: str = typer.Argument(..., help="A .rg file, file.rg:model, a shipped model name (resnet50), or a "
                                           "Python model to import (timm:dpn68, torchvision.models:resnet50)."),
    plugin: list[str] | None = PLUGIN_OPTION,
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output file: .svg .png .pdf (Graphviz), .dot, .mmd (Mermaid) or .html (the interactive viewer)."),
    depth: str = typer.Option("auto", "--depth", "-d", help="Draw block instances at nesting level N as single boxes (1: top-level blocks); 'all': every layer; 'auto': fold just enough to stay readable."),
    matrix: Optional[str] = typer.Option(
        None, "--matrix", metavar="[BLOCK]",
        help="Draw a block's connectivity matrix instead (default: the first dense block; '.' for the whole model).",
    ),
    param: Optional[list[str]] = typer.Option(None, "-p", "--param", help="Model parameter NAME=VALUE (repeatable)."),
    dpi: int = typer.Option(96, "--dpi", help="Resolution of .png output."),
    serve: bool = typer.Option(False, "--serve", help="Show the viewer at http://127.0.0.1:PORT/ and draw it again on every save (instead of -o)."),
    port: int = typer.Option(8000, "--port", help="Port for --serve (0: any free one)."),
) -> None:
    """Draw a model: skip (add) edges blue and dashed, dense (concat) edges orange, blocks as clusters."""
    from ..api import load
    from ..tools.importer.reference import is_reference
    from ..tools.viz import write
    from .import_cmd import import_graph

    with reported():
        folding = parse_depth(depth)
        reference = is_reference(source)
        if serve:
            if reference:
                raise UsageError("--serve draws a .rg file again on every save; a Python module has none",
                                 hint=f"resgraph viz {source} -o model.html writes the viewer once")
            path, model = split_source(source)
            return serve_viewer(path, model, parse_params(param), folding, port, matrix is not None or out is not None)
        if out is None:
            raise UsageError("viz needs an output file (-o model.svg) or --serve",
                             hint="resgraph viz net.rg -o net.html writes the interactive viewer")
        check_output(out, example="model.svg")
        if reference:
            graph = import_graph(source, param, None)
        else:
            path, model = split_source(source)
            graph = load(path, model=model, **parse_params(param))
        written = write(graph, out, depth=folding, matrix=matrix is not None, block=matrix or None, dpi=dpi)
    typer.echo(f"wrote {written}")


def serve_viewer(path: str, model: str | None, params: dict, folding, port: int, conflicting: bool) -> None:
    """`--serve`: the viewer on localhost, drawn again on every save, until Ctrl-C."""
    from ..api import load
    from ..tools.viz.html import to_html
    from ..tools.viz.serve import LivePage, serve

    if conflicting:
        raise UsageError("--serve shows the viewer in the browser: leave out -o and --matrix",
                         hint="resgraph viz net.rg --serve, then open the address it prints")

    def render(live: dict) -> tuple[str, list[str]]:
        graph = load(path, model=model, **params)
        return to_html(graph, folding, live=live), [s.path for s in graph.sources]

    if not Path(path).is_file():
        render({})  # a shipped model, or a path that is not there: fail now, or serve what never changes
    page = LivePage(render, Path(path).name, [path] if Path(path).is_file() else [])
    serve(page, port, lambda url: typer.echo(f"serving {url} (redrawn when {Path(path).name} changes; Ctrl-C stops)"))


class OptionalMatrixValue(TyperCommand):
    """Lets `--matrix` stand alone (the default block) or take a block path, as `--matrix [BLOCK]`."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        args = list(args)
        for i, arg in enumerate(args):
            if arg == "--":
                break
            if arg == "--matrix" and (i + 1 == len(args) or args[i + 1].startswith("-")):
                args[i] = "--matrix="
        return super().parse_args(ctx, args)


def register(app) -> None:
    app.command("viz", cls=OptionalMatrixValue)(viz)
