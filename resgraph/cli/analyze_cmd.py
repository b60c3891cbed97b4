"""`resgraph analyze SOURCE`: connectivity, path-length distribution, gradient distance and norms."""

from __future__ import annotations

import json

import typer

from .common import PLUGIN_OPTION, console, reported
from .summary_cmd import load_graph


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(
        source: str = typer.Argument(..., help=".rg file (file.rg:model) or a zoo model name"),
        plugin: list[str] | None = PLUGIN_OPTION,
        gradients: bool = typer.Option(False, "--gradients", help="compile, run one backward pass, report gradient norms"),
        plot: str | None = typer.Option(None, "--plot", help="draw gradient norm by depth to this PNG (implies --gradients)"),
        batch_size: int = typer.Option(8, "--batch-size", "-b", help="batch for the gradient pass"),
        seed: int = typer.Option(0, "--seed", help="seed for weights, input and labels"),
        param: list[str] | None = typer.Option(None, "--param", "-p", help="model parameter NAME=VALUE"),
        input_shape: str | None = typer.Option(None, "--input-shape", help="C,H,W instead of the declared input"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output (path counts as exact integers)"),
    ) -> None:
        """How layers connect: add/concat edges, paths input→output by length, distance to the loss."""
        from ..tools.analysis import path_stats
        from ..tools.analysis.gradients import check_plot, gradient_norms, spread
        from ..tools.analysis.gradients import plot as draw
        from ..tools.analysis.tables import histogram, layers_table, path_table

        with reported():
            if plot:
                check_plot(plot)
            graph = load_graph(source, param, input_shape)
            stats = path_stats(graph)
            grads = gradient_norms(graph, seed=seed, batch_size=batch_size) if gradients or plot else None
            if plot:
                draw({graph.name: grads}, plot)
            norm = {g.name: g.norm for g in grads or []}
            if as_json:
                typer.echo(json.dumps({
                    "model": graph.name,
                    **stats.figures(),
                    "distribution": {str(k): v for k, v in stats.distribution.items()},
                    "layers": [
                        {"name": n, "depth": d, "to_output": stats.to_output.get(n), **({"grad_norm": norm[n]} if n in norm else {})}
                        for n, d in stats.depth.items()
                    ],
                }, indent=2))
                return
            out = console()
            out.print(path_table(stats, out.width), crop=False)
            out.print("paths by length (weighted layers crossed):", highlight=False)
            out.print(histogram(stats.distribution, max(10, out.width - 32)), highlight=False, crop=False)
            out.print(layers_table(stats, norm if grads else None, out.width), crop=False)
            if grads:
                out.print(f"gradient-norm spread (max/min): {spread(grads):.3g}", highlight=False)
