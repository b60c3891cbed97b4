"""Gradient norms at initialization: does the signal from the loss reach the first layers?

One forward and backward pass of the compiled module in training mode (batch norm uses batch
statistics, as in the first step of training) on Gaussian input with fixed seeds, loss =
cross-entropy against random labels for a classifier (mean square of the output otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...errors import UsageError
from ...ir import Graph
from .paths import path_stats


@dataclass(frozen=True)
class LayerGradient:
    name: str
    depth: int  # weighted layers on the longest input path to this layer, itself included
    norm: float  # Frobenius norm of dL/dW


def random_input(graph: Graph, batch_size: int, generator):
    import torch

    (name,) = graph.inputs
    t = graph.type_of(name)
    if not t.known:
        raise UsageError(
            f"the input '{name}' has an unknown size {t}: gradients need a real tensor",
            hint="pass --input-shape C,H,W",
        )
    return torch.randn(batch_size, *t.dims(), generator=generator)


def gradient_norms(graph: Graph, *, seed: int = 0, batch_size: int = 8) -> list[LayerGradient]:
    """Per weighted layer, in order of depth (ties in topological order)."""
    import torch
    import torch.nn.functional as F

    from ...backend.fx import build_module

    if batch_size < 2:
        raise UsageError("gradients need a batch of at least 2 (batch norm uses batch statistics)")
    module = build_module(graph, seed=seed)
    module.train()
    generator = torch.Generator().manual_seed(seed)
    x = random_input(graph, batch_size, generator)
    out = module(x)
    if out.dim() == 2 and out.shape[1] > 1:
        labels = torch.randint(out.shape[1], (batch_size,), generator=generator)
        loss = F.cross_entropy(out, labels)
    else:
        loss = out.square().mean()
    loss.backward()
    depth = path_stats(graph).depth
    rows = []
    for name in graph.topo_order():
        if name in depth:
            grad = module.get_submodule(name).weight.grad
            rows.append(LayerGradient(name, depth[name], 0.0 if grad is None else float(grad.norm())))
    return sorted(rows, key=lambda r: r.depth)  # stable: ties keep topological order


def spread(grads: list[LayerGradient]) -> float:
    """Largest over smallest gradient norm among the weighted layers: 1 is perfectly even."""
    norms = [g.norm for g in grads if g.norm > 0]
    return max(norms) / min(norms) if norms else float("nan")


def check_plot(path: str) -> None:
    """Refuse a plot before the gradient pass, which can take a minute that a late failure would
    waste: matplotlib is the optional `plot` extra, and the picture needs a file in an existing
    folder (matplotlib would write `DIR.png` beside a directory)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib, which is not installed",
                         hint="pip install 'resgraph[plot]', or leave out --plot") from None
    target = Path(path)
    if target.is_dir() or not target.parent.is_dir():
        why = "it is a directory" if target.is_dir() else f"there is no folder '{target.parent}'"
        raise UsageError(f"cannot write the plot to '{path}': {why}", hint="give --plot a file name such as grads.png")


def plot(series: dict[str, list[LayerGradient]], path: str, title: str | None = None) -> None:
    """Gradient norm against depth, one line per model, log scale (matplotlib, no display)."""
    check_plot(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, grads in series.items():
        ax.plot([g.depth for g in grads], [g.norm for g in grads], marker=".", linewidth=1, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("depth of the layer (weighted layers from the input, longest path)")
    ax.set_ylabel("‖dL/dW‖ at initialization")
    ax.set_title(title or "Gradient norm per weighted layer at initialization")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise UsageError(f"cannot write the plot to '{path}': {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
