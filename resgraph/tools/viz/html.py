"""One self-contained HTML page: the interactive viewer, or the connectivity matrix as a table.

The viewer page holds the graph as JSON (viewer_data.py) and the script that lays it out and draws
it (assets/viewer.js, assets/viewer.css, inlined): no network, no CDN, no Graphviz.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from typing import Any

from ...ir import Graph
from .matrix import Matrix, matrix_html
from .style import FILL, dash_array, edge_styles, legend_bar
from .viewer_data import viewer_json

MATRIX_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; } .legend span { margin-right: 1.5em; }
table.matrix { border-collapse: collapse; font-size: 11px; }
table.matrix td { width: 13px; height: 13px; border: 1px solid #e9ecef; padding: 0; }
table.matrix td.diag { background: #dee2e6; } table.matrix th { font-weight: normal; font-size: 9px; }
table.matrix th.name { text-align: right; padding-right: .5em; font-size: 11px; white-space: nowrap; }
"""


@cache
def asset(name: str) -> str:
    """A file of the page's script or style, shipped as package data beside this module."""
    return files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def to_html(graph: Graph, depth: int | None | str = None, *, expand: tuple[str, ...] = (),
            live: dict[str, Any] | None = None) -> str:
    """The interactive viewer of `graph`, blocks folded as `depth` and `expand` say (see
    `fold.build_view`). `live` ({"url", "version"}) makes the page poll `url` and reload when the
    text it answers is no longer `version` (`resgraph viz --serve`)."""
    present = {kind for _, _, kind, _ in graph.edges()} | {"seq"}
    legend = "".join(
        f"<span>{_sample(s)} {escape(s.legend)}</span>" for kind, s in edge_styles().items() if kind in present
    )
    legend += (f'<span><svg width="16" height="12"><rect x="1" y="1" width="14" height="10" rx="2" '
               f'fill="{FILL["block"]}" stroke="#8a939b"/></svg> folded (▸ opens, ▾ folds)</span>')
    title = escape(graph.name)
    sub = f"{graph.param_count():,} parameters · {len(graph):,} layers"
    data = viewer_json(graph, depth, expand, live)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f"<style>{asset('viewer.css')}</style></head><body>"
        f'<header><h1>{title}</h1><span class="sub">{sub}</span><div id="legend">{legend}</div>'
        f'<div class="tools"><div id="search"><input id="q" type="search" placeholder="search a layer or block  ( / )" '
        f'autocomplete="off"><div id="hits" hidden></div></div>'
        f'<button id="fit" title="fit the picture">fit</button><button id="zin" title="zoom in">+</button>'
        f'<button id="zout" title="zoom out">−</button><button id="foldall" title="fold every block">fold all</button>'
        f'<button id="openall" title="unfold every block">unfold all</button></div></header>'
        f'<main><svg id="canvas" xmlns="http://www.w3.org/2000/svg"></svg><aside id="panel" hidden></aside></main>'
        f'<div id="matrix" hidden></div>'
        f"<noscript><p>This page draws the model with JavaScript; allow scripts for this file.</p></noscript>"
        f'<script type="application/json" id="rg-data">{data}</script>'
        f"<script>{asset('viewer.js')}</script></body></html>\n"
    )


def _sample(style) -> str:
    """A short line drawn in an edge kind's colour, width and dashes, for the legend."""
    dash = dash_array(style)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{style.color}" '
            f'stroke-width="{style.width}"{dashes}/></svg>')


def matrix_page(m: Matrix) -> str:
    """The connectivity matrix as one HTML file (a plain table: no Graphviz, no script)."""
    kinds = set(m.cells.values()) | {"seq"}
    legend = "".join(
        f'<span><b style="color:{s.color}">{legend_bar(s, 3)}</b> {escape(s.legend)}</span>'
        for kind, s in edge_styles().items() if kind in kinds
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(m.title)}</title>'
        f"<style>{MATRIX_STYLE}</style></head><body><h1>{escape(m.title)}</h1>"
        f'<p class="legend">{legend}</p>{matrix_html(m)}</body></html>\n'
    )
