"""Connectivity as an adjacency matrix: row i, column j filled where i's output feeds j.

A dense block's all-to-all concat edges tangle in any node-link drawing; in a matrix they are a
solid triangle, and a residual stage is a diagonal with blue skip cells beside it. Merge nodes are
see-through: a layer that reaches another only through a concat "feeds" it, colored as dense.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ...errors import UsageError, did_you_mean
from ...ir import Graph
from .dot import esc
from .fold import View, ancestors, block_depth, build_view, telling_call
from .style import SHAPE_COLOR, edge_styles


@dataclass
class Matrix:
    title: str
    rows: list[tuple[str, str]]  # (name, shape) per row and column, in topological order
    cells: dict[tuple[int, int], str]  # (source, target) → edge kind


def default_block(graph: Graph) -> str | None:
    """The first block instance with a dense join of its own (a dense block); None if there is none."""
    blocks = dense_blocks(graph)
    return blocks[0] if blocks else None


def dense_blocks(graph: Graph) -> list[str]:
    """Every block instance with a dense join of its own, in the order their first joins come."""
    order = {n: i for i, n in enumerate(graph.topo_order())}
    owners: dict[str, int] = {}
    for name in graph:
        if _dense_join(graph, name):
            blocks = [p for p in ancestors(graph, name) if graph.scopes[p].kind == "block"]
            if blocks:
                owners[blocks[-1]] = min(owners.get(blocks[-1], order[name]), order[name])
    return sorted(owners, key=owners.__getitem__)


def _dense_join(graph: Graph, name: str) -> bool:
    """A merge whose output keeps every operand's channels side by side (concat): what makes a
    block dense, whatever the op is called. A sum or product keeps the operands' channel count."""
    if graph.opdef(name).edge == "seq":
        return False
    out = graph.type_of(name)
    return out is not None and out.channels == sum(graph.type_of(u).channels for u in graph.inputs_of(name))


WHOLE = "."  # the block name that asks for the whole graph


def connectivity(graph: Graph, block: str | None = None) -> Matrix:
    """Who feeds whom inside scope `block` (its sub-blocks folded), or across the whole graph (".").

    Without `block`: the first dense block, else the whole graph with top-level blocks folded.
    """
    if block is None:
        block = default_block(graph) or WHOLE
    if block != WHOLE and block not in graph.scopes:
        blocks = [p for p, s in graph.scopes.items() if s.kind == "block"]
        raise UsageError(
            f"no block or group called '{block}' in model '{graph.name}'",
            hint=did_you_mean(block, graph.scopes) or f"blocks: {', '.join(blocks[:8]) or 'none'}",
        )
    if block == WHOLE:
        depth = 1 if any(s.kind == "block" for s in graph.scopes.values()) else None
        view = build_view(graph, depth, repeats=False)
        title = f"{graph.name}: every top-level block"
        keep = list(range(len(view.items)))
        return _matrix(view, keep, title, set())
    return _block_matrix(graph, block, build_view(graph, block_depth(graph, block) + 1, repeats=False))


def block_matrices(graph: Graph) -> dict[str, Matrix]:
    """The matrix of every dense block (`dense_blocks`); blocks at one depth share one folded view."""
    views: dict[int, View] = {}
    out = {}
    for block in dense_blocks(graph):
        depth = block_depth(graph, block) + 1
        if depth not in views:
            views[depth] = build_view(graph, depth, repeats=False)
        out[block] = _block_matrix(graph, block, views[depth])
    return out


def _block_matrix(graph: Graph, block: str, view: View) -> Matrix:
    """Scope `block` in a view that folds its sub-blocks, with the items feeding it as rows first."""
    scope = graph.scopes[block]
    title = block + (f": {telling_call(graph, block)}" if scope.block else "")
    keep = [i for i, it in enumerate(view.items) if (it.name + ".").startswith(block + ".")]
    inside = set(keep)
    feeders = sorted({a for a, b, _ in view.edges if b in inside and a not in inside})
    return _matrix(view, feeders + keep, title, set(feeders))


def _matrix(view: View, keep: list[int], title: str, feeders: set[int]) -> Matrix:
    """A path's kind is its strongest edge (`EdgeStyle.strength`): through a concat it is dense."""
    strength = {kind: s.strength for kind, s in edge_styles().items()}
    chosen = set(keep)
    succ: dict[int, list[tuple[int, str]]] = {}
    for a, b, kind in view.edges:
        succ.setdefault(a, []).append((b, kind))
    # a merge is see-through when everything it feeds is drawn too (else it is the output: a row)
    clear = {
        i for i in keep
        if view.items[i].kind == "merge" and succ.get(i) and all(b in chosen for b, _ in succ[i])
    }
    rows = [i for i in keep if i not in clear]
    pos = {i: n for n, i in enumerate(rows)}
    cells: dict[tuple[int, int], str] = {}
    for i in rows:
        stack = [(b, k) for b, k in succ.get(i, [])]
        while stack:
            b, kind = stack.pop()
            if b in clear:
                stack.extend((c, max(kind, k, key=strength.__getitem__)) for c, k in succ.get(b, []))
            elif b in pos:
                old = cells.get((pos[i], pos[b]))
                cells[(pos[i], pos[b])] = max(kind, old or kind, key=strength.__getitem__)
    names = [(("in: " if i in feeders else "") + view.items[i].short_name, view.items[i].shape) for i in rows]
    return Matrix(title, names, cells)


def matrix_dot(m: Matrix) -> str:
    """The matrix as a Graphviz HTML table (one node), so dot renders it to svg/png/pdf."""
    styles = edge_styles()
    cell = 'WIDTH="14" HEIGHT="14" FIXEDSIZE="TRUE"'
    head = "".join(f'<TD {cell}><FONT POINT-SIZE="7">{j}</FONT></TD>' for j in range(len(m.rows)))
    lines = [f'<TR><TD ALIGN="RIGHT"><FONT POINT-SIZE="9" COLOR="{SHAPE_COLOR}">row feeds column →</FONT></TD>{head}</TR>']
    for i, (name, shape) in enumerate(m.rows):
        tds = []
        for j in range(len(m.rows)):
            kind = m.cells.get((i, j))
            color = styles[kind].color if kind else ("#dee2e6" if i == j else "#ffffff")
            tds.append(f'<TD {cell} BGCOLOR="{color}"></TD>')
        label = f'{i}  {esc(name)} <FONT COLOR="{SHAPE_COLOR}" POINT-SIZE="8">{esc(shape)}</FONT>'
        lines.append(f'<TR><TD ALIGN="RIGHT">{label}</TD>{"".join(tds)}</TR>')
    key = "   ".join(
        f'<FONT COLOR="{s.color}">■</FONT> {esc(s.legend)}' for k, s in styles.items() if k in m.cells.values()
    )
    lines.append(f'<TR><TD COLSPAN="{len(m.rows) + 1}" ALIGN="LEFT">{key}</TD></TR>')
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2" COLOR="#e9ecef">' + "".join(lines) + "</TABLE>"
    return (
        f'digraph "matrix" {{\n  graph [fontname="Helvetica", labelloc=t, labeljust=l, '
        f'label=<<B>{esc(m.title)}</B>>];\n'
        f'  node [shape=plain, fontname="Helvetica", fontsize=10];\n  matrix [label=<{table}>];\n}}\n'
    )


def matrix_html(m: Matrix) -> str:
    """The same matrix as a plain HTML table: needs no Graphviz."""
    styles = edge_styles()
    head = "".join(f"<th>{j}</th>" for j in range(len(m.rows)))
    body = []
    for i, (name, shape) in enumerate(m.rows):
        tds = "".join(
            f'<td style="background:{styles[m.cells[(i, j)]].color}" title="{escape(m.cells[(i, j)])}"></td>'
            if (i, j) in m.cells else ('<td class="diag"></td>' if i == j else "<td></td>")
            for j in range(len(m.rows))
        )
        body.append(f'<tr><th class="name">{i} {escape(name)} <small>{escape(shape)}</small></th>{tds}</tr>')
    return (
        '<table class="matrix"><tr><th class="name">row feeds column →</th>' + head + "</tr>"
        + "".join(body) + "</table>"
    )
