"""`resgraph viz`: draw a model's connectivity (skip and dense edges) to svg/png/pdf/dot/mmd/html."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperCommand

from .common import PLUGIN_OPTION, check_output, parse_params, reported


def parse_depth(text: str) -> int | None | str:
    """`auto` (fold just enough to stay readable), `all` (every layer) or a block depth >= 1."""
    from ..errors import UsageError

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
    out: Path = typer.Option(..., "-o", "--out", help="Output file: .svg .png .pdf (Graphviz), .dot, .mmd (Mermaid) or .html."),
    depth: str = typer.Option("auto", "--depth", "-d", help="Draw block instances at nesting level N as single boxes (1: top-level blocks); 'all': every layer; 'auto': fold just enough to stay readable."),
    matrix: Optional[str] = typer.Option(
        None, "--matrix", metavar="[BLOCK]",
        help="Draw a block's connectivity matrix instead (default: the first dense block; '.' for the whole model).",
    ),
    param: Optional[list[str]] = typer.Option(None, "-p", "--param", help="Model parameter NAME=VALUE (repeatable)."),
    dpi: int = typer.Option(96, "--dpi", help="Resolution of .png output."),
) -> None:
    """Draw a model: skip (add) edges blue and dashed, dense (concat) edges orange, blocks as clusters."""
    from ..api import load
    from ..tools.importer.reference import is_reference
    from ..tools.viz import write
    from .import_cmd import import_graph

    with reported():
        check_output(out, example="model.svg")
        folding = parse_depth(depth)
        if is_reference(source):
            graph = import_graph(source, param, None)
        else:
            path, model = split_source(source)
            graph = load(path, model=model, **parse_params(param))
        written = write(graph, out, depth=folding, matrix=matrix is not None, block=matrix or None, dpi=dpi)
    typer.echo(f"wrote {written}")


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
