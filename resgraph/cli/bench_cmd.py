"""`resgraph bench MODEL...`: the side-by-side benchmark (the same code as benchmarks/run.py)."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..errors import ResgraphError, UsageError
from .common import PLUGIN_OPTION, check_device, reported


def bench(
    models: List[str] = typer.Argument(..., help="zoo model names, e.g. resnet50 densenet121"),
    plugin: list[str] | None = PLUGIN_OPTION,
    device: str = typer.Option("cpu", help="cpu or cuda"),
    batch: List[int] = typer.Option([1, 16], min=1, help="inference batch sizes (repeat the option)"),
    size: int = typer.Option(224, min=1, help="input height and width"),
    train_batch: int = typer.Option(8, min=1, help="batch of the training step"),
    repeats: int = typer.Option(5, min=1, help="timed rounds per measure"),
    warmup: int = typer.Option(2, min=0),
    compile: bool = typer.Option(True, help="include the torch.compile rows"),
    train: bool = typer.Option(True, help="measure the training step time"),
    memory: bool = typer.Option(True, help="measure training peak memory (fresh processes)"),
    construct: bool = typer.Option(True, help="measure construction time"),
    amp: Optional[bool] = typer.Option(None, help="add bfloat16 autocast rows (default: on for cuda)"),
    precision: str = typer.Option("fp32", help="bf16: add the rows computing in bfloat16"),
    threads: Optional[int] = typer.Option(None, min=1, help="threads for torch and the peers"),
    clock: str = typer.Option("wall", help="cpu: time by process CPU time (shared machine, --threads 1)"),
    rows: Optional[List[str]] = typer.Option(None, "--row", help="time only this inference row (repeat)"),
    peers: bool = typer.Option(True, help="include ONNX Runtime and OpenVINO (pip install 'resgraph[bench]')"),
    json: str = typer.Option("bench.json", help="where to write the results as JSON"),
    markdown: Optional[str] = typer.Option(None, help="also write the tables as markdown"),
) -> None:
    """Time and measure compiled modules against the eager reference, interleaved, same weights."""
    from ..bench.run import main
    from ..optimization.pipeline import check_precision

    with reported():
        check_models(models, size)
        check_device(device)
        check_precision(precision, opt_level=1)
        if clock not in ("wall", "cpu"):
            raise UsageError(f"--clock {clock}: not a clock", hint="use wall or cpu")

    argv = [*models, "--device", device, "--batch", *map(str, batch), "--size", str(size),
            "--train-batch", str(train_batch), "--repeats", str(repeats), "--warmup", str(warmup),
            "--precision", precision, "--clock", clock, "--json", json]
    argv += [] if compile else ["--no-compile"]
    argv += [] if train else ["--no-train"]
    argv += [] if memory else ["--no-memory"]
    argv += [] if construct else ["--no-construct"]
    argv += [] if peers else ["--no-peers"]
    argv += [] if threads is None else ["--threads", str(threads)]
    argv += ["--rows", *rows] if rows else []
    argv += [] if amp is None else ["--amp" if amp else "--no-amp"]
    argv += ["--markdown", markdown] if markdown else []
    main(argv, prog="resgraph bench")


def check_models(models: list[str], size: int) -> None:
    """Every model has an eager reference and takes a size x size input: usage errors (exit 2)
    found in a second, not after minutes of benchmarking the models before it."""
    from .. import api
    from ..bench import reference

    reference.check(models)
    for m in models:
        try:
            api.load(m, input_shape=(3, size, size))
        except ResgraphError as exc:
            raise UsageError(f"--size {size} does not fit {m}: {exc.message}",
                             hint="the zoo models need at least 32x32 (224 is their training size)") from None


def register(app) -> None:
    app.command("bench")(bench)
