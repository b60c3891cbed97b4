"""The View as a Mermaid flowchart, for Markdown that GitHub and GitLab render without Graphviz."""

from __future__ import annotations

from ...ir import Graph
from .fold import Item, View, build_view
from .labels import compact_rows
from .style import dash_array, edge_kind, edge_styles, fill_key, fills


def _text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(
    graph: Graph, depth: int | None | str = None, *, expand: tuple[str, ...] = (), legend: bool = True
) -> str:
    """Mermaid `flowchart TD` source of the connectivity picture (same folding as `to_dot`)."""
    view = build_view(graph, depth, expand=expand)
    edge_style = edge_styles()
    lines = [f"%% {graph.name}: {view.describe()}"]
    lines.append("flowchart TD")
    for name, fill in fills().items():
        lines.append(f"  classDef rg_{name} fill:{fill},stroke:#8a939b,color:#222")
    _emit(view, None, lines, 1)
    styles = []
    for n, (a, b, kind) in enumerate(view.edges):
        lines.append(f"  {view.items[a].id} {edge_style[kind].arrow} {view.items[b].id}")
        if kind != "seq":
            styles.append((n, kind))
    if legend:
        present = {kind for _, _, kind in view.edges}
        lines.append('  subgraph legend["edges"]')
        lines.append("    direction LR")
        for k, kind in enumerate(k for k in edge_style if k == "seq" or k in present):
            lines.append(f'    lg{k}a[" "] {edge_style[kind].arrow}|{edge_style[kind].legend}| lg{k}b[" "]')
            if kind != "seq":
                styles.append((len(view.edges) + k, kind))
        lines.append("  end")
    for n, kind in styles:
        style = edge_style[kind]
        dashes = dash_array(style)
        dash = f",stroke-dasharray:{dashes}" if dashes else ""
        lines.append(f"  linkStyle {n} stroke:{style.color},stroke-width:{style.width + 0.5:g}px{dash}")
    return "\n".join(lines) + "\n"


def _emit(view: View, path: str | None, lines: list[str], level: int) -> None:
    pad = "  " * level
    for what, ref in view.children(path):
        if what == "item":
            lines.append(pad + _node(view.items[ref]))
            continue
        sub = ref
        lines.append(f'{pad}subgraph c_{sub.replace(".", "_")}["{_text(view.clusters[sub].label)}"]')
        _emit(view, sub, lines, level + 1)
        lines.append(pad + "end")


def _node(item: Item) -> str:
    if item.kind in ("block", "repeat"):
        label = f"<b>{item.short_name}</b><br/>{item.rows[0]}<br/>{item.shape}"
        return f'{item.id}[["{_text(label)}"]]:::rg_{item.kind}'
    if item.kind == "input":
        return f'{item.id}[/"{_text(item.short_name + "<br/>" + item.shape)}"\\]:::rg_input'
    if item.kind == "merge":
        kind = edge_kind(item.head_op)
        symbol = edge_styles()[kind].symbol
        if symbol:
            return f'{item.id}(("{_text(symbol)}")):::rg_{kind}'
    title = [f"<b>{item.title}</b>"] if item.title else []
    label = "<br/>".join(title + [text for _, text in compact_rows(item)] + [item.shape])
    return f'{item.id}["{_text(label)}"]:::rg_{fill_key(item)}'
