"""`resgraph bench MODEL...`: the side-by-side benchmark (the same code as benchmarks/run.py)."""

from __future__ import annotations

from typing import List, Optional

import typer


def bench(
    models: List[str] = typer.Argument(..., help="zoo model names, e.g. resnet50 densenet121"),
    device: str = typer.Option("cpu", help="cpu or cuda"),
    batch: List[int] = typer.Option([1, 16], help="inference batch sizes (repeat the option)"),
    size: int = typer.Option(224, help="input height and width"),
    train_batch: int = typer.Option(8, help="batch of the training step"),
    repeats: int = typer.Option(5, help="timed rounds per measure"),
    warmup: int = typer.Option(2),
    compile: bool = typer.Option(True, help="include the torch.compile rows"),
    train: bool = typer.Option(True, help="measure the training step time"),
    memory: bool = typer.Option(True, help="measure training peak memory (fresh processes)"),
    construct: bool = typer.Option(True, help="measure construction time"),
    amp: Optional[bool] = typer.Option(None, help="add bfloat16 autocast rows (default: on for cuda)"),
    json: str = typer.Option("bench.json", help="where to write the results as JSON"),
    markdown: Optional[str] = typer.Option(None, help="also write the tables as markdown"),
) -> None:
    """Time and measure compiled modules against the eager reference, interleaved, same weights."""
    from ..bench.run import main

    argv = [*models, "--device", device, "--batch", *map(str, batch), "--size", str(size),
            "--train-batch", str(train_batch), "--repeats", str(repeats), "--warmup", str(warmup),
            "--json", json]
    argv += [] if compile else ["--no-compile"]
    argv += [] if train else ["--no-train"]
    argv += [] if memory else ["--no-memory"]
    argv += [] if construct else ["--no-construct"]
    argv += [] if amp is None else ["--amp" if amp else "--no-amp"]
    argv += ["--markdown", markdown] if markdown else []
    main(argv, prog="resgraph bench")


def register(app) -> None:
    app.command("bench")(bench)
