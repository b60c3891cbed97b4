"""Inlay hints: the output shape after each binding and each labelled layer, `⟶ [64, 56, 56]`.

Inside a block the shape is that of every instance (in the first model that makes one): one shape,
or the first and last of several with their count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...syntax import ast
from .analysis import Analysis, ModelResult
from .ast_index import element_sites, end, value_sites, walk
from .hover import focus, instances_at

ARROW = "⟶"


@dataclass(frozen=True)
class Hint:
    line: int  # 1-based, as spans
    col: int  # the hint goes before this column: just after the text it follows
    label: str


def hints(analysis: Analysis, first_line: int, last_line: int,
          others: Sequence[ModelResult] = ()) -> list[Hint]:
    """Hints for the lines first_line..last_line (1-based, inclusive)."""
    file = analysis.file
    if file is None:
        return []
    found: dict[tuple[int, int], Hint] = {}
    for item in file.items:
        if not isinstance(item, (ast.BlockDef, ast.ModelDef)):
            continue
        last = item.span.end_line or item.span.line
        if last < first_line or item.span.line > last_line:
            continue
        results = focus(analysis, item, others)
        for node in walk(item):
            if isinstance(node, ast.Bind) and isinstance(node.chain, ast.Chain):
                spans, at = value_sites(node.chain), end(node.chain.span)
            elif isinstance(node, ast.Element) and node.label is not None:
                spans, at = element_sites(node), end(node.span)
            else:
                continue
            if not first_line <= at[0] <= last_line or at in found:
                continue
            _, made = instances_at(results, spans)
            shapes = list(dict.fromkeys(str(t) if t is not None else "?" for i in made for t in i.types))
            if shapes:
                found[at] = Hint(at[0], at[1], f"{ARROW} {shape_label(shapes)}")
    return sorted(found.values(), key=lambda h: (h.line, h.col))


def shape_label(shapes: list[str]) -> str:
    if len(shapes) == 1:
        return shapes[0]
    if len(shapes) == 2:
        return f"{shapes[0]} | {shapes[1]}"
    return f"{shapes[0]} … {shapes[-1]} ({len(shapes)} shapes)"
