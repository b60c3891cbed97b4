"""`resgraph summary`: one row per layer (or per block, folded), in the spirit of torchinfo and Keras.

Counts are for the whole batch; activation sizes in float32 bytes. The "connected to" column lists
the operands of every add and concat, the edges a sequential summary cannot show.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from html import escape

from ...errors import UsageError
from ...ir import Graph
from .cost import CostTotals, LayerCost, cost_totals, layer_costs
from .memory import FLOAT_BYTES, inference_peak, training_saved
from .units import mib, si


@dataclass
class Row:
    name: str
    op: str  # the op, or for a folded row the block name (or "group"/"repeat")
    shape: str  # output shape with the batch dimension
    params: int
    macs: int | None
    activation_bytes: int | None
    connected_to: list[str] = field(default_factory=list)
    layers: int = 1  # IR nodes folded into this row


@dataclass
class Summary:
    model: str
    batch_size: int
    rows: list[Row]
    totals: CostTotals
    inference_peak_bytes: int | None
    inference_peak_at: str | None  # the node whose computation reaches the peak
    training_saved_bytes: int | None
    training_saved_by_op: dict[str, int] = field(default_factory=dict)

    def scaled(self, value: int | None) -> int | None:
        return None if value is None else value * self.batch_size

    def to_dict(self) -> dict:
        t = self.totals
        return {
            "model": self.model,
            "batch_size": self.batch_size,
            "rows": [asdict(r) for r in self.rows],
            "totals": {
                "params": t.params,
                "macs": self.scaled(t.macs),
                "conv_linear_macs": self.scaled(t.weighted_macs),
                "other_macs": self.scaled(t.other_macs),
                "activation_bytes": self.scaled(None if t.activations is None else t.activations * FLOAT_BYTES),
                "inference_peak_bytes": self.inference_peak_bytes,
                "inference_peak_at": self.inference_peak_at,
                "training_saved_bytes": self.training_saved_bytes,
                "training_saved_by_op": self.training_saved_by_op,
            },
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "op", "output_shape", "params", "macs", "activation_bytes", "connected_to", "layers"])
        for r in self.rows:
            writer.writerow([r.name, r.op, r.shape, r.params, "" if r.macs is None else r.macs,
                             "" if r.activation_bytes is None else r.activation_bytes,
                             " ".join(r.connected_to), r.layers])
        return out.getvalue()

    def _repr_html_(self) -> str:
        """Jupyter shows the table `resgraph summary` prints, with its totals, not a dataclass dump."""
        t = self.totals
        head = ["layer", "op", "output shape", "params", "MACs", "activations", "connected to"]
        right = {"params", "MACs", "activations"}

        def cells(values: list[str], tag: str) -> str:
            return "<tr>" + "".join(
                f'<{tag} style="text-align:{"right" if h in right else "left"}">{escape(v)}</{tag}>'
                for h, v in zip(head, values)) + "</tr>"

        body = "".join(cells([r.name, r.op, r.shape, f"{r.params:,}" if r.params else "",
                              si(r.macs) if r.macs else ("?" if r.macs is None else ""),
                              mib(r.activation_bytes), ", ".join(r.connected_to)], "td") for r in self.rows)
        acts = self.scaled(None if t.activations is None else t.activations * FLOAT_BYTES)
        total = cells(["total", "", "", f"{t.params:,}", si(self.scaled(t.macs)), mib(acts), ""], "th")
        peak = f" at {self.inference_peak_at}" if self.inference_peak_at else ""
        notes = [
            ("MACs, conv + linear", si(self.scaled(t.weighted_macs))),
            ("MACs, other ops", si(self.scaled(t.other_macs))),
            ("inference peak", mib(self.inference_peak_bytes) + peak),
            ("training, saved for backward", mib(self.training_saved_bytes)),
        ]
        foot = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in notes)
        return (
            f"<div><b>{escape(self.model)}</b> (batch size {self.batch_size})"
            f'<div style="max-height:30em;overflow:auto"><table><thead>{cells(head, "th")}</thead>'
            f"<tbody>{body}</tbody><tfoot>{total}</tfoot></table></div><ul>{foot}</ul></div>"
        )


def _shape(batch_size: int, cost: LayerCost) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in (batch_size, *cost.type.dims())) + "]"


def _fold_key(name: str, depth: int | None) -> str:
    parts = name.split(".")
    return name if depth is None or len(parts) <= depth else ".".join(parts[:depth])


def summarize(graph: Graph, *, depth: int | None = None, batch_size: int = 1) -> Summary:
    """Rows in topological order; with `depth`, nodes below that many name levels fold into one
    row per namespace (block instance, group, repetition), their costs summed."""
    if depth is not None and depth < 1:
        raise UsageError(f"--depth must be at least 1, got {depth}")
    if batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {batch_size}")
    costs = layer_costs(graph)
    groups: dict[str, list[LayerCost]] = {}
    for c in costs:
        groups.setdefault(_fold_key(c.name, depth), []).append(c)
    rows = [_row(graph, key, members, batch_size) for key, members in groups.items()]
    summary = Summary(graph.name, batch_size, rows, cost_totals(costs), None, None, None)
    if all(graph.type_of(n).known for n in graph.inputs):
        peak, saved = inference_peak(graph, batch_size), training_saved(graph, batch_size)
        summary.inference_peak_bytes, summary.inference_peak_at = peak.bytes, peak.at
        summary.training_saved_bytes, summary.training_saved_by_op = saved.bytes, saved.by_op
    return summary


def _scaled_sum(values, factor: int) -> int | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(values) * factor


def _row(graph: Graph, key: str, members: list[LayerCost], batch_size: int) -> Row:
    last = members[-1]  # topological order: a block's last node is its output
    if len(members) == 1 and last.name == key:
        connected = list(last.inputs) if graph.opdef(last.name).operands == "names" else []
        op = last.op
    else:
        inside = {c.name for c in members}
        has_merge = any(graph.opdef(c.name).edge != "seq" for c in members)
        external = dict.fromkeys(u for c in members for u in c.inputs if u not in inside)
        connected = list(external) if has_merge else []
        scope = graph.scopes.get(key)
        op = (scope.block or scope.kind) if scope else "scope"
    return Row(
        name=key,
        op=op,
        shape=_shape(batch_size, last),
        params=sum(c.params for c in members),
        macs=_scaled_sum((c.macs for c in members), batch_size),
        activation_bytes=_scaled_sum((c.activations for c in members), batch_size * FLOAT_BYTES),
        connected_to=connected,
        layers=len(members),
    )
