"""`resgraph compare`: the same measurements for several models, side by side.

Every figure is computed (statically from the IR) or measured (gradients, timings), never typed in,
so claims such as "DenseNet needs fewer parameters" are checked by whichever model is run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ...ir import Graph
from .cost import cost_totals, layer_costs
from .memory import inference_peak, training_saved
from .paths import edge_labels, fan_in_label, path_stats


@dataclass(frozen=True)
class Metric:
    label: str
    kind: str  # how to print it: "count", "si", "big", "bytes", "float", "time", "text"


def metrics() -> dict[str, Metric]:
    """Every metric in table order: one edge count per registered merge kind, then the fixed ones."""
    edges = {f"{kind}_edges": Metric(label, "count") for kind, label in edge_labels().items()}
    return {"input": METRICS["input"], **edges, "mean_fan_in": Metric(fan_in_label(), "float"),
            **{k: m for k, m in METRICS.items() if k != "input"}}


METRICS = {  # the metrics every model has (edge counts per kind: see `metrics`)
    "input": Metric("input shape", "text"),
    "params": Metric("parameters", "count"),
    "conv_linear_macs": Metric("MACs, conv + linear", "si"),
    "other_macs": Metric("MACs, other ops (bn, add, pool)", "si"),
    "inference_peak": Metric("inference activation peak", "bytes"),
    "training_saved": Metric("training activations saved", "bytes"),
    "weighted_layers": Metric("weighted layers", "count"),
    "longest": Metric("longest input→output path (weighted layers)", "count"),
    "shortest": Metric("shortest input→output path", "count"),
    "paths": Metric("input→output paths", "big"),
    "mean_length": Metric("mean path length", "float"),
    "mode_length": Metric("most common path length", "count"),
    "max_to_output": Metric("farthest layer from the loss (shortest route)", "count"),
    "grad_spread": Metric("gradient-norm spread at init (max/min)", "float"),
    "grad_first_last": Metric("gradient norm, first conv / last conv", "float"),
    "forward_s": Metric("forward time", "time"),
    "backward_s": Metric("backward time", "time"),
}


def measure(graph: Graph, *, batch_size: int = 1, gradients: bool = False, grad_batch_size: int = 8,
            time: bool = False, device: str = "cpu", seed: int = 0) -> dict[str, object]:
    """Every metric of `metrics()` for one model (gradient and time metrics only when asked), plus
    with gradients the per-layer norms under "gradients"."""
    totals = cost_totals(layer_costs(graph))
    stats = path_stats(graph)
    row: dict[str, object] = {
        "input": " ".join(str(graph.type_of(n)) for n in graph.inputs),
        **stats.figures(),
        "params": totals.params,
        "conv_linear_macs": None if totals.weighted_macs is None else totals.weighted_macs * batch_size,
        "other_macs": None if totals.other_macs is None else totals.other_macs * batch_size,
        "inference_peak": inference_peak(graph, batch_size).bytes,
        "training_saved": training_saved(graph, batch_size).bytes,
    }
    if gradients:
        from .gradients import gradient_norms, spread

        grads = gradient_norms(graph, seed=seed, batch_size=grad_batch_size)
        convs = [g for g in grads if graph.type_of(g.name).is_map]  # weighted layers on maps: the convs
        row["grad_spread"] = spread(grads)
        row["grad_first_last"] = convs[0].norm / convs[-1].norm if convs and convs[-1].norm else None
        row["gradients"] = [asdict(g) for g in grads]  # per layer, for plots and --json
    if time:
        from .timing import forward_backward_seconds

        row["forward_s"], row["backward_s"] = forward_backward_seconds(
            graph, batch_size=batch_size, seed=seed, device=device)
    return row


def compare(graphs: list[Graph], **options) -> dict[str, dict[str, object]]:
    """Model name → metric name → value (a repeated name gets a #2, #3 suffix)."""
    table: dict[str, dict[str, object]] = {}
    for g in graphs:
        key, n = g.name, 1
        while key in table:
            n += 1
            key = f"{g.name}#{n}"
        table[key] = measure(g, **options)
    return table
