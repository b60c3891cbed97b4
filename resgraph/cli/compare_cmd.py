"""`resgraph compare A B [C ...]`: one table of measured costs and path statistics, side by side."""

from __future__ import annotations

import json

import typer

from .common import PLUGIN_OPTION, check_device, console, reported
from .summary_cmd import load_graph


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare(
        sources: list[str] = typer.Argument(..., help="two or more .rg files or zoo model names"),
        plugin: list[str] | None = PLUGIN_OPTION,
        batch_size: int = typer.Option(1, "--batch-size", "-b", help="MACs, memory and timing for this many samples"),
        gradients: bool = typer.Option(True, "--gradients/--no-gradients", help="gradient-norm spread at init (compiles each model)"),
        grad_batch_size: int = typer.Option(8, "--grad-batch-size", help="batch for the gradient pass"),
        time: bool = typer.Option(False, "--time", help="forward/backward time on this machine"),
        device: str = typer.Option("cpu", "--device", help="where --time runs: cpu, cuda, cuda:1 ..."),
        plot: str | None = typer.Option(None, "--plot", help="draw every model's gradient norm by depth to this PNG"),
        seed: int = typer.Option(0, "--seed"),
        param: list[str] | None = typer.Option(None, "--param", "-p", help="NAME=VALUE for every model"),
        input_shape: str | None = typer.Option(None, "--input-shape", help="C,H,W for every model"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Parameters, MACs, memory, paths and gradient spread of several models in one table."""
        from ..errors import UsageError
        from ..tools.analysis import compare as run
        from ..tools.analysis.gradients import LayerGradient, check_plot
        from ..tools.analysis.gradients import plot as draw
        from ..tools.analysis.tables import compare_table

        with reported():
            if len(sources) < 2:
                raise UsageError("compare needs at least two models")
            if plot and not gradients:
                raise UsageError("--plot draws gradient norms: drop --no-gradients")
            if plot:
                check_plot(plot)  # matplotlib and the folder, before minutes of comparing
            if time:
                check_device(device)
            graphs = [load_graph(s, param, input_shape) for s in sources]
            results = run(graphs, batch_size=batch_size, gradients=gradients,
                          grad_batch_size=grad_batch_size, time=time, device=device, seed=seed)
            if plot:
                draw({m: [LayerGradient(**g) for g in r["gradients"]] for m, r in results.items()}, plot)
            if as_json:
                typer.echo(json.dumps(results, indent=2))
            else:
                out = console()
                out.print(compare_table(results, out.width), crop=False)
                note = f"batch size {batch_size}; activations in float32"
                if gradients:
                    note += f"; gradients: one training step at init, batch {grad_batch_size}, seed {seed}"
                if time:
                    import torch

                    where = (torch.cuda.get_device_name(device) if device.startswith("cuda")
                             else f"CPU, {torch.get_num_threads()} threads")
                    note += f"; times: training mode on {where}, median of 5"
                out.print(note, highlight=False)
