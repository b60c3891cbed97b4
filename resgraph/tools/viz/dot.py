"""The View as Graphviz DOT: clusters for scopes, record-like HTML labels, styled skip/dense edges."""

from __future__ import annotations

from itertools import pairwise

from ...ir import Graph
from ...ir.ops.base import EdgeStyle
from .fold import Item, View, build_view
from .labels import compact_rows
from .style import CLUSTER_FILLS, FILL, SHAPE_COLOR, edge_kind, edge_styles, fill_of, legend_bar

FONT = "Helvetica"
TRANSLUCENT = "b0"  # alpha of bold edges, drawn by the dozen in a dense block: overlaps stay readable


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_dot(
    graph: Graph,
    depth: int | None | str = None,
    *,
    expand: tuple[str, ...] = (),
    legend: bool = True,
    title: bool = True,
) -> str:
    """DOT source of the connectivity picture.

    Block instances at nesting level `depth` are drawn as single boxes (None: every layer;
    "auto": fold just enough, see `fold.auto_folding`); paths in `expand` are drawn open.
    """
    return view_to_dot(build_view(graph, depth, expand=expand), graph if title else None, legend=legend)


def view_to_dot(view: View, graph: Graph | None = None, *, legend: bool = True) -> str:
    lines = [f'digraph "{esc(view.name)}" {{']
    lines.append(
        f'  graph [rankdir=TB, fontname="{FONT}", fontsize=12, nodesep=0.3, ranksep=0.28, '
        f'labelloc=t, labeljust=l, newrank=true];'
    )
    if graph is not None:
        lines.append(f"  label=<{title_label(graph, view)}>;")
    lines.append(
        f'  node [shape=box, style="rounded,filled", color="#8a939b", penwidth=0.8, '
        f'fontname="{FONT}", fontsize=10, margin="0.10,0.04", height=0.3];'
    )
    lines.append(f'  edge [color="{edge_styles()["seq"].color}", arrowsize=0.6, penwidth=1.0];')
    path = view.spine()
    spine, trunk = set(path), set(pairwise(path))
    if legend:
        lines.append(f"  legend [shape=plain, style=solid, label=<{legend_label(view)}>];")
    _emit_scope(view, None, lines, 1, spine)
    for a, b, kind in view.edges:
        lines.append(f"  {view.items[a].id} -> {view.items[b].id}{edge_attrs(kind, (a, b) in trunk)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def title_label(graph: Graph, view: View) -> str:
    params = graph.param_count()
    what = view.describe()
    return (
        f'<B>{esc(graph.name)}</B>  <FONT POINT-SIZE="10" COLOR="{SHAPE_COLOR}">'
        f"{params:,} parameters · {len(graph)} layers · {esc(what)}</FONT>"
    )


def _emit_scope(view: View, path: str | None, lines: list[str], level: int, spine: set[int]) -> None:
    """Items and sub-clusters of one scope, in the order their first item appears."""
    pad = "  " * level
    for what, ref in view.children(path):
        if what == "item":
            lines.append(pad + node_line(view.items[ref], ref in spine))
            continue
        cluster = view.clusters[ref]
        fill = CLUSTER_FILLS[min(level - 1, len(CLUSTER_FILLS) - 1)]
        lines.append(f'{pad}subgraph "cluster_{esc(ref)}" {{')
        lines.append(
            f'{pad}  label=<<FONT POINT-SIZE="10">{esc(cluster.label)}</FONT>>; '
            f'style="rounded,filled"; fillcolor="{fill}"; color="#c3ccd6"; penwidth=0.8;'
        )
        _emit_scope(view, ref, lines, level + 1, spine)
        lines.append(pad + "}")


def node_line(item: Item, on_spine: bool = False) -> str:
    """One node statement; nodes of the trunk share a group so Graphviz draws the trunk straight."""
    attrs = [f'label=<{node_label(item)}>', f'fillcolor="{fill_of(item)}"', f'tooltip="{esc(item.name)}"']
    style = edge_styles()[edge_kind(item.head_op)] if item.kind == "merge" else None
    if style is not None and style.symbol:
        attrs = ['shape=circle', f'label="{esc(style.symbol)}"', 'width=0.3', 'fixedsize=true', 'fontsize=14',
                 f'color="{style.color}"', f'fillcolor="{fill_of(item)}"',
                 f'tooltip="{esc(item.name)}: {esc(item.head_op)} → {esc(item.shape)}"']
    elif style is not None:
        attrs.append(f'color="{style.color}"')
    elif item.kind in ("block", "repeat"):
        if item.merges:
            attrs.append(f'color="{edge_styles()[item.merges[-1]].color}", penwidth=1.6')
        if item.kind == "repeat":
            attrs += ["shape=box3d", 'style="filled"', 'margin="0.14,0.08"']
    elif item.kind == "input":
        attrs.append('style="filled"')
        attrs.append("shape=invhouse")
    if on_spine:
        attrs.append("group=spine")
    return f"{item.id} [{', '.join(attrs)}];"


def node_label(item: Item) -> str:
    shape = f'<FONT POINT-SIZE="9" COLOR="{SHAPE_COLOR}">{esc(item.shape)}</FONT>'
    if item.kind in ("block", "repeat"):
        return f"<B>{esc(item.short_name)}</B><BR/>{esc(item.rows[0])}<BR/>{shape}"
    rows = []
    styles = edge_styles()
    for op, row in compact_rows(item):
        kind = edge_kind(op)
        color = styles[kind].color if kind != "seq" else None
        rows.append(f'<FONT COLOR="{color}"><B>{esc(row)}</B></FONT>' if color else esc(row))
    if item.kind == "input":
        rows = [f"<B>{esc(item.short_name)}</B>"]
    if item.title:
        rows.insert(0, f"<B>{esc(item.title)}</B>")
    return "<BR/>".join(rows) + "<BR/>" + shape


def edge_attrs(kind: str, trunk: bool = False) -> str:
    """Style by kind; trunk edges pull hard (weight) so the main path runs straight down."""
    weight = 8 if trunk or kind == "seq" else 1
    if kind == "seq":
        return f" [weight={weight}]"
    style = edge_styles()[kind]
    return f' [color="{dot_color(style)}", style={style.line}, penwidth={style.width}, weight={weight}]'


def dot_color(style: EdgeStyle) -> str:
    return style.color + TRANSLUCENT if style.line == "bold" else style.color


def legend_label(view: View) -> str:
    """A small table: one colored bar per edge kind present, plus the fold marks."""
    styles = edge_styles()
    present = {kind for _, _, kind in view.edges}
    rows = []
    for kind, style in styles.items():
        if kind == "seq" or kind in present:
            rows.append(
                f'<TR><TD ALIGN="LEFT"><FONT COLOR="{style.color}"><B>{legend_bar(style, 4)}</B></FONT></TD>'
                f'<TD ALIGN="LEFT">{esc(style.legend)}</TD></TR>'
            )
    folded = [it for it in view.items if it.kind in ("block", "repeat")]
    if folded:
        rows.append(f'<TR><TD BGCOLOR="{FILL["block"]}"> </TD><TD ALIGN="LEFT">folded block (× N: N alike in a row)</TD></TR>')
    for kind, style in styles.items():
        if any(kind in it.merges for it in folded):
            rows.append(
                f'<TR><TD BGCOLOR="{FILL["block"]}" COLOR="{style.color}" BORDER="2"> </TD>'
                f'<TD ALIGN="LEFT">… with {esc(style.legend)} edges inside</TD></TR>'
            )
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
        '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>edges</B></TD></TR>' + "".join(rows) + "</TABLE>"
    )
