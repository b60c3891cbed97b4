"""The one palette every format shares, so a skip edge looks the same in DOT, Mermaid and HTML.

Edge kinds, and the fills of the merge nodes that own them, come from the ops (`OpDef.edge_style`,
gathered by `registry.edge_styles()`), so a registered op is drawn without an entry here; only the
fills of what is not one op (inputs, blocks, weighted and plain layers) are set in this file.
"""

from __future__ import annotations

from ...ir.ops import registry
from ...ir.ops.base import EdgeStyle

FILL = {
    "input": "#e9ecef",
    "weighted": "#dbe8fb",  # items holding a weighted layer (conv, linear)
    "plain": "#f8f9fa",
    "block": "#d8f3dc",
    "repeat": "#b7e4c7",
}
CLUSTER_FILLS = ("#f4f6fa", "#e9eef6", "#dfe6f1", "#d5deec")
SHAPE_COLOR = "#5c6770"


def edge_styles() -> dict[str, EdgeStyle]:
    """Every edge kind of the registered ops and its style, "seq" first."""
    return registry.edge_styles()


def edge_kind(op: str) -> str:
    """The kind of the edges into `op`: "seq", or the kind of a merge ("add", "concat", ...)."""
    return registry.get(op).edge


def fills() -> dict[str, str]:
    """Every fill by class name: the fixed ones, then one per merge kind (Mermaid declares them all)."""
    return {**FILL, **{kind: s.fill for kind, s in edge_styles().items() if kind != "seq"}}


def fill_key(item) -> str:
    """Which fill an item takes: blocks green, merges by kind, weighted layers blue, the rest gray."""
    if item.kind in ("block", "repeat", "input"):
        return item.kind
    if item.kind == "merge":
        return edge_kind(item.head_op)
    if any(registry.get(op).weighted for op in item.ops):
        return "weighted"
    return "plain"


def fill_of(item) -> str:
    return fills()[fill_key(item)]


def dash_array(style: EdgeStyle) -> str | None:
    """The SVG/CSS dash pattern of a line style (None: solid)."""
    return {"dashed": "6 4", "dotted": "2 3"}.get(style.line)


def legend_bar(style: EdgeStyle, length: int) -> str:
    """A line sample for a text legend: `- - -` for dashed, `· · ·` for dotted, `━━━` otherwise."""
    if style.line in ("dashed", "dotted"):
        mark = "-" if style.line == "dashed" else "·"
        return " ".join(mark * length)
    return "━" * length
