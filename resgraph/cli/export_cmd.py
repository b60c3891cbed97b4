"""`resgraph export SOURCE -o model.onnx`: a spec or a saved model as an ONNX file.

SOURCE is a directory written by `resgraph compile --save` / `save_model` (its trained weights), or
a spec (`.rg`, `file.rg:model`, a zoo name) compiled here with `--seed`. `-O1` exports the portable
level 1 (the passes whose result is plain torch; docs/export.md). Exit 0 ok, 1 export errors,
2 bad usage (a missing `onnx` extra included).
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import UsageError
from .common import PLUGIN_OPTION, check_output, parse_params, parse_shape, reported


def export_source(source: str, output: Path, params: dict, input_shape, opt_level: int, seed: int | None,
                  dynamic_batch: bool, dynamo: bool, opset: int | None, verify: bool) -> None:
    from .. import api
    from ..export.extra import require

    if opt_level == 2:
        raise UsageError("-O2 wraps the module in torch.compile, which no exporter reads",
                         hint="-O1 exports the portable level 1; -O0 the module as compiled")
    check_output(output, "model.onnx")  # before the work, which can take a while
    require("onnx", "resgraph export")
    if Path(source).is_dir():
        if params or input_shape is not None or seed is not None:
            raise UsageError(f"{source} is a saved model: it keeps its parameters, input shape and weights",
                             hint="leave out -p, --input-shape and --seed, or export the spec instead")
        module = api.load_model(source)
    else:
        module = api.compile(api.load(source, input_shape=input_shape, **params), seed=seed)
    graph = module.meta["resgraph"]["graph"]
    if opt_level:
        module = api.optimize(module.eval(), opt_level=1, portable=True)
    done = api.to_onnx(module, output, dynamic_batch=dynamic_batch, dynamo=dynamo, opset=opset, verify=verify)

    batch = "batch" if dynamic_batch else "1"
    level = " (-O1 portable)" if opt_level else ""
    typer.echo(f"exported {graph.name}{level} to {output}")
    for name in graph.inputs:
        typer.echo(f"  input       {name} [{batch}, {', '.join(map(str, graph.type_of(name).dims()))}]")
    typer.echo(f"  output      output [{', '.join([batch, *map(str, graph.type_of(graph.output).dims())])}]")
    typer.echo(f"  file        {done.size / 1e6:.1f} MB, {done.exporter} exporter, onnx.checker passed")
    if done.agreement is not None:
        a = done.agreement
        typer.echo(f"  onnxruntime max abs difference {a.max_difference:.1e} (outputs up to {a.max_output:.3g})")


def register(app) -> None:
    @app.command("export")
    def export(
        source: str = typer.Argument(..., help="a saved model's directory, a .rg file, file.rg:model or a zoo name"),
        output: Path = typer.Option(..., "-o", "--output", help="the .onnx file to write"),
        plugin: list[str] | None = PLUGIN_OPTION,
        param: list[str] | None = typer.Option(None, "--param", "-p", help="NAME=VALUE model parameter"),
        input_shape: str | None = typer.Option(None, "--input-shape", help="C,H,W"),
        opt_level: int = typer.Option(0, "-O", "--opt-level", min=0, max=2,
                                      help="0 as compiled, 1 the portable inference passes"),
        seed: int | None = typer.Option(None, "--seed", help="make a spec's weight init reproducible"),
        dynamic_batch: bool = typer.Option(False, "--dynamic-batch", help="any batch size, not only 1"),
        dynamo: bool = typer.Option(False, "--dynamo", help="torch.export-based exporter (needs onnxscript)"),
        opset: int | None = typer.Option(None, "--opset", help="ONNX opset (torch's default otherwise)"),
        verify: bool = typer.Option(False, "--verify", help="compare onnxruntime's outputs with the module's"),
    ) -> None:
        """Export a spec or a saved model to ONNX, checked by onnx.checker; written whole or not at all."""
        with reported():
            export_source(source, output, parse_params(param), parse_shape(input_shape), opt_level, seed,
                          dynamic_batch, dynamo, opset, verify)
