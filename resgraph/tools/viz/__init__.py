"""Pictures of connectivity: skip (`add`) and dense (`concat`) edges drawn so that a person sees them.

    fold.py    the IR folded for reading: depth, runs of identical blocks, compact chains
    dot.py     Graphviz DOT;  mermaid.py  Mermaid for Markdown
    html.py    one self-contained page: the interactive viewer (viewer_data.py is its JSON,
               assets/ its script and style), or the matrix as a table;  serve.py  the live page
    matrix.py  a block's connectivity as an adjacency matrix
    render.py  running the real `dot` binary;  write.py  picking the format from a file name
"""

from ...ir.graph import register_svg_drawer
from .dot import to_dot
from .html import to_html
from .matrix import connectivity, default_block, matrix_dot
from .mermaid import to_mermaid
from .render import RenderError, find_dot, render
from .write import FORMATS, repr_svg, write

register_svg_drawer(repr_svg)  # notebooks show graphs as pictures once viz is imported

__all__ = [
    "FORMATS",
    "RenderError",
    "connectivity",
    "default_block",
    "find_dot",
    "matrix_dot",
    "render",
    "repr_svg",
    "to_dot",
    "to_html",
    "to_mermaid",
    "write",
]
