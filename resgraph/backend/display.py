"""How a compiled module shows itself in a notebook: its graph as a picture beside a short table.

The picture is the IR's (`Graph._repr_svg_`), drawn by whatever a higher floor registered with
`ir.graph.register_svg_drawer` (tools.viz, which `import resgraph` imports): the back end asks for
it without importing the floor that draws. A module without a resgraph graph in `meta` (a nested
block module, a GraphModule rebuilt by another tool) returns None, and Jupyter shows its text.
"""

from __future__ import annotations

from html import escape

from ..ir import Graph

NO_PICTURE = "no picture: drawing needs Graphviz's <code>dot</code> (apt-get install graphviz)"
LAYOUT = "display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start"  # table left, picture right


class NotebookDisplay:
    """Mixed into `ResgraphModule`: `_repr_svg_` and `_repr_html_` for Jupyter's rich display."""

    def _resgraph_graph(self) -> Graph | None:
        info = getattr(self, "meta", {}).get("resgraph")
        graph = info.get("graph") if isinstance(info, dict) else None
        return graph if isinstance(graph, Graph) else None

    def _repr_svg_(self) -> str | None:
        graph = self._resgraph_graph()
        return None if graph is None else graph._repr_svg_()

    def _repr_html_(self) -> str | None:
        graph = self._resgraph_graph()
        if graph is None:
            return None
        svg = graph._repr_svg_()
        picture = _inline(svg) if svg else f"<p><i>{NO_PICTURE}</i></p>"
        return (
            f'<div class="resgraph-module" style="{LAYOUT}">{_table(self, graph)}'
            f'<div style="max-height:40em;overflow:auto">{picture}</div></div>'
        )


def _facts(module, graph: Graph) -> list[tuple[str, str]]:
    """The rows of the table: what a reader checks first about a module (shapes with batch N)."""
    info = module.meta["resgraph"]
    level = info.get("opt_level", 0)
    if level == 0:  # the trainable module: count what trains (a reset classifier included)
        params = list(module.parameters())
        total = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        count = f"{total:,}" + ("" if trainable == total else f" ({trainable:,} trainable)")
    else:  # optimized weights are folded and held as buffers: the spec's count is the one to read
        count = f"{graph.param_count():,} (as compiled, before folding)"
    rows = [
        ("model", graph.name),
        ("parameters", count),
        ("opt level", str(level) + (", memory efficient" if info.get("memory_efficient") else "")),
        ("layers", f"{len(graph):,}"),
    ]
    rows += [(f"input {name}", _shape(graph, name)) for name in graph.inputs]
    if graph.output is not None:
        rows.append((f"output {graph.output}", _shape(graph, graph.output)))
    return rows


def _shape(graph: Graph, name: str) -> str:
    t = graph.type_of(name)
    return "?" if t is None else "[N, " + str(t)[1:]


def _table(module, graph: Graph) -> str:
    cells = "".join(
        f'<tr><th style="text-align:left">{escape(k)}</th><td style="text-align:left">{escape(v)}</td></tr>'
        for k, v in _facts(module, graph)
    )
    return f"<table>{cells}</table>"


def _inline(svg: str) -> str:
    """The SVG without its XML prolog and doctype, which may not stand inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
