"""The one palette every format shares, so a skip edge looks the same in DOT, Mermaid and HTML."""

from __future__ import annotations

# edge kind → (color, DOT style, pen width, legend text)
EDGES = {
    "seq": ("#555555", "solid", 1.0, "sequential"),
    "add": ("#1f6fd1", "dashed", 2.0, "skip (add)"),
    "concat": ("#e8590c", "bold", 1.6, "dense (concat)"),
}
# semi-transparent dense edges: an all-to-all block stays readable where dozens of them overlap
CONCAT_DOT_COLOR = "#e8590cb0"

FILL = {
    "input": "#e9ecef",
    "weighted": "#dbe8fb",  # items holding a conv or linear
    "plain": "#f8f9fa",
    "block": "#d8f3dc",
    "repeat": "#b7e4c7",
    "add": "#ffffff",
    "concat": "#fff4e6",
}
CLUSTER_FILLS = ("#f4f6fa", "#e9eef6", "#dfe6f1", "#d5deec")
SHAPE_COLOR = "#5c6770"
WEIGHTED_OPS = ("conv", "linear")


def fill_key(item) -> str:
    """Which FILL an item takes: blocks green, merges by kind, weighted layers blue, the rest gray."""
    if item.kind in ("block", "repeat", "input"):
        return item.kind
    if item.kind == "merge":
        return item.head_op
    if any(op in WEIGHTED_OPS for op in item.ops):
        return "weighted"
    return "plain"


def fill_of(item) -> str:
    return FILL[fill_key(item)]
