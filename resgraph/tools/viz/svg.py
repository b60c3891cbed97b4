"""A picture drawn without Graphviz: items in one column, skip and dense edges as arcs beside it.

Used by the HTML output where `dot` is not installed, so `resgraph viz net.rg -o net.html` always
gives a self-contained page. Residual and dense nets are mostly one trunk, so a column plus arcs
(an arc diagram) shows exactly what matters: which earlier outputs reach which later layers.
"""

from __future__ import annotations

from html import escape

from .fold import View
from .labels import compact_rows
from .style import SHAPE_COLOR, dash_array, edge_styles, fill_of

LINE, PAD, GAP, WIDTH, INDENT = 13, 5, 16, 250, 14


def arc_svg(view: View) -> str:
    deepest = max((_nesting(view, p) for p in view.clusters), default=0)
    tops, heights, y = [], [], 30
    for item in view.items:
        h = PAD * 2 + LINE * (len(_lines(item)))
        tops.append(y)
        heights.append(h)
        y += h + GAP
    left = 20 + INDENT * deepest
    right = left + WIDTH
    parts: list[str] = []
    for path in view.clusters:  # a bar and a caption along every cluster's items
        idx = [i for i, it in enumerate(view.items) if it.cluster and (it.cluster + ".").startswith(path + ".")]
        x = 8 + INDENT * (_nesting(view, path) - 1)
        y0, y1 = tops[idx[0]] - 4, tops[idx[-1]] + heights[idx[-1]] + 4
        parts.append(
            f'<line x1="{x}" y1="{y0}" x2="{x}" y2="{y1}" stroke="#c3ccd6" stroke-width="3">'
            f"<title>{escape(view.clusters[path].label)}</title></line>"
        )
    styles = edge_styles()
    span_max = max((b - a for a, b, _ in view.edges), default=1)
    for a, b, kind in view.edges:
        style = styles[kind]
        dashes = dash_array(style)
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        if b == a + 1 and kind == "seq":
            cx = left + WIDTH // 2
            d = f"M{cx},{tops[a] + heights[a]} L{cx},{tops[b]}"
        else:
            ya, yb = tops[a] + heights[a] / 2, tops[b] + heights[b] / 2
            bulge = 30 + 220 * (b - a) / span_max
            d = f"M{right},{ya:.0f} C{right + bulge:.0f},{ya:.0f} {right + bulge:.0f},{yb:.0f} {right + 4},{yb:.0f}"
        parts.append(
            f'<path d="{d}" fill="none" stroke="{style.color}" stroke-width="{style.width}"{dash} '
            f'opacity="0.85" marker-end="url(#arrow-{kind})"/>'
        )
    x = left
    for i, item in enumerate(view.items):
        parts.append(
            f'<rect x="{x}" y="{tops[i]}" width="{WIDTH}" height="{heights[i]}" rx="6" '
            f'fill="{fill_of(item)}" stroke="#8a939b"><title>{escape(item.name)}</title></rect>'
        )
        for k, (text, muted) in enumerate(_lines(item)):
            fill = f' fill="{SHAPE_COLOR}"' if muted else ""
            parts.append(
                f'<text x="{x + WIDTH / 2:.0f}" y="{tops[i] + PAD + LINE * (k + 1) - 3}" '
                f'text-anchor="middle"{fill}>{escape(text)}</text>'
            )
    markers = "".join(
        f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{s.color}"/></marker>'
        for k, s in styles.items()
    )
    width, height = right + 280, y + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">'
        f"<defs>{markers}</defs>" + "".join(parts) + "</svg>"
    )


def _nesting(view: View, path: str) -> int:
    n = 0
    while path is not None:
        n += 1
        path = view.clusters[path].parent
    return n


def _lines(item) -> list[tuple[str, bool]]:
    if item.kind in ("block", "repeat", "input"):
        head = [item.name] + ([item.rows[0]] if item.kind != "input" else [])
    else:
        head = [item.title or item.name] + [text for _, text in compact_rows(item)]
    return [(t, False) for t in head] + [(item.shape, True)]
