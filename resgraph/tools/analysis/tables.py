"""Human-readable renderings (rich tables, SI-prefixed numbers) of the analysis results."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from .paths import PathStats
from .summary import Summary


def si(value: float | None, unit: str = "") -> str:
    """3 significant figures with a k/M/G/T prefix: 4089184256 → '4.09 G'."""
    if value is None:
        return "?"
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:g} {unit}".rstrip() if isinstance(value, float) else f"{value} {unit}".rstrip()


def mib(value: int | None) -> str:
    """Bytes in binary units: 1024 → '1.0 KiB'."""
    if value is None:
        return "?"
    for factor, unit in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= factor:
            return f"{value / factor:.1f} {unit}"
    return f"{value} B"


def big(n: int) -> str:
    """Exact below a million, else mantissa and power of ten (path counts reach 10^30 and more),
    with the power of two when it is one (2^k paths: k independent skip-or-not choices)."""
    if n < 10**6:
        return f"{n:,}"
    digits = str(n)
    text = f"{digits[0]}.{digits[1:3]}e{len(digits) - 1}"
    return f"{text} (2^{n.bit_length() - 1})" if n & (n - 1) == 0 else text


def summary_table(s: Summary) -> Table:
    total = s.totals.params or 1
    table = Table(title=f"{s.model} (batch size {s.batch_size})", show_footer=True)
    t = s.totals
    table.add_column("layer", footer="total", no_wrap=True)
    table.add_column("op", no_wrap=True)
    table.add_column("output shape", no_wrap=True)
    table.add_column("params", justify="right", footer=f"{t.params:,}")
    table.add_column("% params", justify="right", footer="100.0")
    table.add_column("MACs", justify="right", footer=si(s.scaled(t.macs)))
    table.add_column("activations", justify="right",
                     footer=mib(s.scaled(None if t.activations is None else t.activations * 4)))
    table.add_column("connected to")
    for r in s.rows:
        table.add_row(
            r.name, r.op, r.shape, f"{r.params:,}" if r.params else "", f"{100 * r.params / total:.1f}" if r.params else "",
            si(r.macs) if r.macs else ("?" if r.macs is None else ""), mib(r.activation_bytes),
            ", ".join(r.connected_to),
        )
    return table


def summary_footer(s: Summary) -> str:
    t = s.totals
    hint = ["(? = needs a known input size: pass --input-shape C,H,W)"] if t.macs is None else []
    return "\n".join([*hint,
        f"parameters:              {t.params:,}",
        f"MACs, conv + linear:     {si(s.scaled(t.weighted_macs))}   (what torchvision/fvcore/thop report)",
        f"MACs, other ops:         {si(s.scaled(t.other_macs))}   (bn, add, pooling; concat copies, adds nothing)",
        f"inference peak:          {mib(s.inference_peak_bytes)}   (live activations, float32"
        + (f", reached at {s.inference_peak_at})" if s.inference_peak_at else ")"),
        f"training, saved:         {mib(s.training_saved_bytes)}   (what autograd keeps for backward"
        + "".join(f"; {op} {mib(b)}" for op, b in sorted(s.training_saved_by_op.items(), key=lambda kv: -kv[1]))
        + ")",
    ])


def histogram(distribution: dict[int, int], width: int = 40) -> Text:
    """One bar per path length that occurs, scaled to the most common length, with its share."""
    top, total = max(distribution.values()), sum(distribution.values())
    text = Text()
    for k, c in sorted(distribution.items()):
        bar = "█" * round(width * c / top)
        text.append(f"{k:5d} {bar:<{width}} {big(c):>16} {100 * c / total:7.3f}%\n")
    return text


def path_table(p: PathStats) -> Table:
    table = Table(title="connectivity and paths", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for label, value in [
        ("add (residual) edges", f"{p.add_edges:,}"),
        ("concat (dense) edges", f"{p.concat_edges:,}"),
        ("mean fan-in of add/concat", f"{p.mean_fan_in:.2f}"),
        ("weighted layers (conv, linear)", f"{p.weighted_layers:,}"),
        ("longest input→output path", f"{p.longest} weighted layers"),
        ("shortest input→output path", f"{p.shortest} weighted layers"),
        ("distinct input→output paths", big(p.paths)),
        ("mean path length", f"{p.mean_length:.2f}"),
        ("most common path length", f"{p.mode_length}"),
        ("farthest layer from the loss", f"{p.max_to_output} weighted layers (shortest route)"),
    ]:
        table.add_row(label, value)
    return table


def compare_table(results: dict[str, dict[str, object]]) -> Table:
    from .compare import METRICS

    table = Table(title="compare")
    table.add_column("metric")
    for name in results:
        table.add_column(name, justify="right")
    for key, metric in METRICS.items():
        values = [results[m].get(key, "absent") for m in results]
        if all(v == "absent" for v in values):
            continue
        table.add_row(metric.label, *(_format(v, metric.kind) for v in values))
    return table


def _format(value: object, kind: str) -> str:
    if value is None or value == "absent":
        return "?"
    if kind == "count":
        return f"{value:,}"
    if kind == "si":
        return si(value)
    if kind == "big":
        return big(value)
    if kind == "bytes":
        return mib(value)
    if kind == "float":
        return f"{value:.3g}"
    if kind == "time":
        return f"{1000 * value:.1f} ms"
    return str(value)
