"""`resgraph import SOURCE`: a PyTorch model (`torchvision.models:resnet50`, `timm:dpn68`,
`path/to/file.py:make_model`) as a readable .rg spec, proved to compute what the model does."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import PLUGIN_OPTION, check_output, parse_params, parse_shape, print_diagnostics, reported, write_output

SOURCE_HELP = "A Python model: torchvision.models:resnet50, timm:dpn68 or path/to/file.py:make_model."


def import_graph(source: str, params: list[str] | None, input_shape: str | None, opaque=(), drop_unused=False,
                 name: str | None = None):
    """The checked graph of a Python reference, traced on a (seeded) batch of two inputs."""
    import torch

    from ..api import from_module
    from ..errors import UsageError
    from ..tools.importer.reference import is_reference, load_reference

    if not is_reference(source):
        raise UsageError(f"'{source}' is not a Python reference", hint=SOURCE_HELP.replace("A Python model: ", "use "))
    module, attr = load_reference(source, parse_params(params))
    shape = parse_shape(input_shape) or (3, 224, 224)
    example = torch.randn(2, *shape, generator=torch.Generator().manual_seed(0))
    return from_module(module, example, name=name or attr, opaque=opaque or (), drop_unused=drop_unused)


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        source: str = typer.Argument(..., help=SOURCE_HELP),
        plugin: list[str] | None = PLUGIN_OPTION,
        out: Path | None = typer.Option(None, "-o", "--out", help="Write the spec to this .rg file (default: print it)."),
        input_shape: str = typer.Option("3,224,224", "--input", help="The example input's C,H,W."),
        param: list[str] | None = typer.Option(None, "-p", "--param", help="Constructor argument NAME=VALUE (repeatable)."),
        opaque: list[str] | None = typer.Option(None, "--opaque", metavar="PATH",
                                                help="Trace this submodule as one call (an op must import its class); repeatable."),
        drop_unused: bool = typer.Option(False, "--drop-unused", help="Leave out weights the forward never uses."),
        name: str | None = typer.Option(None, "--name", help="The model's name in the spec (default: the name after the colon)."),
    ) -> None:
        """Import a PyTorch model as a .rg spec: blocks, repetitions and skip/dense edges recovered."""
        from ..syntax.unparse import to_rg

        with reported():
            if out is not None:
                check_output(out, example="model.rg")
            graph = import_graph(source, param, input_shape, opaque, drop_unused, name)
            text = to_rg(graph)
            print_diagnostics(graph.warnings)
            if out is None:
                typer.echo(text, nl=False)
                return
            write_output(out, text)
        blocks = len({s.block for s in graph.scopes.values() if s.kind == "block"})
        typer.echo(f"wrote {out}: {graph.name}, {graph.param_count():,} parameters, {len(graph)} layers, "
                   f"{blocks} blocks, {len(text.splitlines())} lines")
