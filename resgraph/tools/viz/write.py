"""From a graph to a file: the output format follows the file name (`.svg`, `.png`, `.mmd`, ...)."""

from __future__ import annotations

from pathlib import Path

from ...errors import UsageError
from ...ir import Graph
from ...syntax.loader import write_file
from .dot import to_dot
from .html import matrix_page, to_html
from .matrix import connectivity, matrix_dot
from .mermaid import to_mermaid
from .render import BINARY_FORMATS, find_dot, render

FORMATS = ("svg", "png", "pdf", "dot", "mmd", "html")


def write(
    graph: Graph,
    out: str | Path,
    *,
    depth: int | None | str = "auto",
    matrix: bool = False,
    block: str | None = None,
    dpi: int = 96,
) -> Path:
    """Draw `graph` into `out`, in the format its suffix names; return the path written.

    `depth="auto"` folds just enough blocks to keep the picture readable; `matrix=True` draws the
    connectivity matrix of scope `block` (default: the first dense block, else the whole graph).
    """
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(
            f"cannot tell the picture format from '{path.name}'",
            hint="end the output name in " + ", ".join(f".{f}" for f in FORMATS),
        )
    if matrix:
        if fmt == "mmd":
            raise UsageError("the connectivity matrix has no Mermaid form", hint="write .svg, .png, .pdf or .html")
        m = connectivity(graph, block)
        if fmt == "html":
            data: bytes = matrix_page(m).encode()
        else:
            source = matrix_dot(m)
            data = source.encode() if fmt == "dot" else render(source, fmt, dpi=dpi)
    else:
        if fmt in BINARY_FORMATS:
            data = render(to_dot(graph, depth), fmt, dpi=dpi)
        elif fmt == "dot":
            data = to_dot(graph, depth).encode()
        elif fmt == "mmd":
            data = to_mermaid(graph, depth).encode()
        else:
            data = to_html(graph, depth).encode()
    write_file(path, data)  # atomic: an old picture stays whole if the write fails
    return path


def repr_svg(graph: Graph) -> str | None:
    """The picture as SVG text for Jupyter, or None where Graphviz is not installed."""
    if find_dot() is None:
        return None
    return render(to_dot(graph, "auto"), "svg").decode()
