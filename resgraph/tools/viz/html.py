"""One self-contained HTML page (no network, no scripts) holding the picture and its legend."""

from __future__ import annotations

from html import escape

from ...ir import Graph
from .dot import view_to_dot
from .fold import build_view
from .matrix import Matrix, matrix_html
from .render import find_dot, inline_svg, svg_text
from .style import edge_styles, legend_bar
from .svg import arc_svg

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; } p.note { color: #5c6770; font-size: .9em; }
.legend span { margin-right: 1.5em; } .picture { overflow: auto; }
table.matrix { border-collapse: collapse; font-size: 11px; }
table.matrix td { width: 13px; height: 13px; border: 1px solid #e9ecef; padding: 0; }
table.matrix td.diag { background: #dee2e6; } table.matrix th { font-weight: normal; font-size: 9px; }
table.matrix th.name { text-align: right; padding-right: .5em; font-size: 11px; white-space: nowrap; }
"""

FALLBACK_NOTE = (
    "Graphviz (<code>dot</code>) is not installed, so this is resgraph's own simplified drawing: "
    "layers in order, skip and dense edges as arcs. Install Graphviz (apt-get install graphviz) "
    "for the full picture with clusters."
)


def _page(title: str, body: str, kinds: set[str]) -> str:
    """The page around `body`; its legend lists the edge kinds drawn (`kinds`) and "seq"."""
    legend = "".join(
        f'<span><b style="color:{s.color}">{legend_bar(s, 3)}</b> {escape(s.legend)}</span>'
        for kind, s in edge_styles().items() if kind == "seq" or kind in kinds
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f'<p class="legend">{legend}</p>{body}</body></html>\n'
    )


def to_html(graph: Graph, depth: int | None | str = None, *, expand: tuple[str, ...] = ()) -> str:
    """The picture as one HTML file: Graphviz's SVG inline, or the arc drawing without Graphviz."""
    view = build_view(graph, depth, expand=expand)
    if find_dot() is not None:
        body = f'<div class="picture">{inline_svg(svg_text(view_to_dot(view, graph)))}</div>'
    else:
        body = f'<p class="note">{FALLBACK_NOTE}</p><div class="picture">{arc_svg(view)}</div>'
    return _page(f"{graph.name}: {view.describe()}", body, {kind for _, _, kind in view.edges})


def matrix_page(m: Matrix) -> str:
    """The connectivity matrix as one HTML file (a plain table: no Graphviz needed)."""
    return _page(m.title, matrix_html(m), set(m.cells.values()))
