"""`resgraph compile SOURCE`: build the module, report it, and optionally write it out.

`-o OUT.py` writes standalone Python (needs only torch); `--save DIR` writes the spec and the
weights (safetensors). Both hold the trainable level-0 module: `-O` reports what the optimizer
does to it (`--explain` lists every change), since optimized modules are for inference and are
rebuilt from the level-0 one after loading. Exit 0 ok, 1 spec/compile errors, 2 bad usage.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

from ..errors import Span, UsageError
from .common import PLUGIN_OPTION, check_output, parse_params, parse_shape, print_diagnostics, reported, write_output


def compile_source(
    source: str,
    params: dict,
    input_shape,
    opt_level: int,
    explain: bool,
    seed: int | None,
    output: Path | None,
    save: Path | None,
    precision: str = "fp32",
) -> None:
    import torch

    from .. import api
    from ..backend.codegen import to_python
    from ..backend.flatten import flatten
    from ..backend.init import scheme_of

    if explain and not opt_level:
        raise UsageError("--explain lists what the optimizer changes; add -O1 or -O2")
    if precision != "fp32" and not opt_level:
        raise UsageError(f"--precision {precision} is for inference modules; add -O1 or -O2")
    if output is not None:
        check_output(output)  # before the work, which can take a while
    if save is not None:
        check_save(save)
    started = time.perf_counter()
    graph = api.load(source, input_shape=input_shape, **params)
    loaded = time.perf_counter()
    module = api.compile(graph, seed=seed)
    built = time.perf_counter()
    print_diagnostics(graph.warnings)
    if opt_level:
        api.optimize(module.eval(), opt_level=opt_level, explain=explain, precision=precision)
        module.train()
    done = time.perf_counter()

    where = f" from {graph.source.path}" if graph.source else ""
    params_used = ", ".join(f"{k}={v!r}" for k, v in graph.params.items())
    blocks = sum(isinstance(m, (torch.fx.GraphModule, torch.nn.Sequential)) for m in module.modules()) - 1
    rows = [
        ("model", f"{graph.name}({params_used})"),
        ("parameters", f"{sum(p.numel() for p in module.parameters()):,}"),
        ("input", " ".join(f"{n} {graph.type_of(n)}" for n in graph.inputs)),
        ("output", str(graph.type_of(graph.output))),
        ("layers", f"{len(graph)} in the spec, {len(flatten(module).graph.nodes)} fx nodes, {blocks} block modules"),
        ("init", scheme_of(graph) + ("" if "init" in graph.options else " (default)")
                 + ("" if seed is None else f", seed {seed}")),
        ("time", f"{done - started:.2f} s (parse and check {loaded - started:.2f} s, "
                 f"lower and init {built - loaded:.2f} s"
                 + (f", -O{opt_level} {done - built:.2f} s)" if opt_level else ")")),
    ]
    typer.echo(f"compiled {graph.name}{where}")
    for key, value in rows:
        typer.echo(f"  {key:<11} {value}")
    if output is not None:
        write_output(output, to_python(module))
        typer.echo(f"wrote {output} (standalone: needs only torch)")
    if save is not None:
        api.save_model(module, save)
        typer.echo(f"saved to {save} (spec + weights.safetensors; resgraph.load_model to read it)")


def check_save(directory: Path) -> None:
    """Refuse a --save target before compiling, by the rules save_model applies (backend.io's own
    check: no file, foreign or non-empty directory, symlink, current directory is replaced), and
    a parent folder that cannot take the new directory."""
    from ..backend.io import check_target
    from ..syntax.loader import unwritable

    target = Path(os.path.abspath(directory))  # as save_model sees it: "." has a name
    try:
        check_target(target, Span.file(str(directory)))
    except OSError as exc:  # e.g. an unreadable directory: save_model would say the same later
        raise UsageError(f"cannot save here: {exc.strerror or exc}", Span.file(str(directory)),
                         hint="save to a directory you can read and write") from None
    why = unwritable(target.parent)
    if why:
        raise UsageError(f"cannot save here: {why}", Span.file(str(directory)),
                         hint="save to a directory you can write to")


def register(app) -> None:
    @app.command("compile")
    def compile_(
        source: str = typer.Argument(..., help="a .rg file, file.rg:model, or a zoo model name"),
        plugin: list[str] | None = PLUGIN_OPTION,
        param: list[str] | None = typer.Option(None, "--param", "-p", help="NAME=VALUE model parameter"),
        input_shape: str | None = typer.Option(None, "--input-shape", help="C,H,W"),
        opt_level: int = typer.Option(0, "-O", "--opt-level", min=0, max=2, help="0 trainable, 1 inference, 2 +torch.compile (GPU; on CPU it keeps 1)"),
        explain: bool = typer.Option(False, "--explain", help="list what each -O pass changed"),
        seed: int | None = typer.Option(None, "--seed", help="make the weight init reproducible"),
        output: Path | None = typer.Option(None, "-o", "--output", help="write standalone Python (needs only torch)"),
        save: Path | None = typer.Option(None, "--save", help="save spec + safetensors weights to this directory"),
        precision: str = typer.Option("fp32", "--precision", help="fp32, or bf16 with -O (where the CPU has bf16 units)"),
    ) -> None:
        """Compile a spec to a torch.fx module; report it; write standalone code or a saved model."""
        with reported():
            compile_source(source, parse_params(param), parse_shape(input_shape), opt_level, explain,
                           seed, output, save, precision)
