"""Short, human labels for layers and shapes: `conv 3x3/2, 128` (from `OpDef.label`) and `128×28×28`."""

from __future__ import annotations

from typing import Any

from ...ir.ops import registry
from ...ir.ops.base import shown
from ...ir.types import TensorType


def shape_text(t: TensorType | None) -> str:
    """Channels × height × width, '?' for sizes not known before run time."""
    if t is None:
        return "?"
    return "×".join("?" if d is None else str(d) for d in t.dims())


def call_text(block: str, args: dict[str, Any], limit: int = 48) -> str:
    """`bottleneck(planes=64, stride=2)`, shortened with '…' past `limit` characters."""
    text = f"{block}(" + ", ".join(f"{k}={shown(v)}" for k, v in args.items()) + ")"
    return text if len(text) <= limit else text[: limit - 2] + "…)"


def compact_rows(item) -> list[tuple[str, str]]:
    """One line per weighted layer (`OpDef.weighted`) with the cheap ops after it, as (its first
    op, text): `conv 3x3, 64 · bn · relu`. Ops come from the item's data, never from parsing the text."""
    return [(item.ops[row[0]], " · ".join(item.rows[i] for i in row)) for row in row_groups(item.ops)]


def row_groups(ops: list[str]) -> list[list[int]]:
    """The positions of `ops` on each compact line: a weighted op starts a line, the rest join it."""
    out: list[list[int]] = []
    for i, op in enumerate(ops):
        if out and not registry.get(op).weighted:
            out[-1].append(i)
        else:
            out.append([i])
    return out
