"""Short, human labels for layers and shapes: `conv 3x3/2, 128` and `128×28×28`."""

from __future__ import annotations

from typing import Any

from ...ir.ops.base import pair
from ...ir.types import TensorType


def shape_text(t: TensorType | None) -> str:
    """Channels × height × width, '?' for sizes not known before run time."""
    if t is None:
        return "?"
    return "×".join("?" if d is None else str(d) for d in t.dims())


def _window(kernel: Any, stride: Any) -> str:
    kh, kw = pair(kernel)
    text = f"{kh}x{kw}"
    s = pair(stride)
    if s != (1, 1):
        text += f"/{s[0]}" if s[0] == s[1] else f"/{s[0]}x{s[1]}"
    return text


def op_text(op: str, attrs: Any) -> str:
    """The op and its key attributes, the way papers write them."""
    if op == "conv":
        text = f"conv {_window(attrs.kernel, attrs.stride)}, {attrs.out_channels}"
        if pair(attrs.dilation) != (1, 1):
            text += f" d{pair(attrs.dilation)[0]}"
        if attrs.groups != 1:
            text += f" g{attrs.groups}"
        return text
    if op in ("maxpool", "avgpool"):
        return f"{op} {_window(attrs.kernel, attrs.kernel if attrs.stride is None else attrs.stride)}"
    if op == "adaptive_avgpool":
        oh, ow = pair(attrs.output_size)
        return f"{op} {oh}x{ow}"
    if op == "bn":
        return "bn (zero-init)" if attrs.zero_init else "bn"
    if op in ("input", "add", "concat", "flatten", "identity"):
        return op
    extra = attrs.explicit() if attrs is not None else {}
    return op + (" " + ", ".join(_value(v) for v in extra.values()) if extra else "")


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def call_text(block: str, args: dict[str, Any], limit: int = 48) -> str:
    """`bottleneck(planes=64, stride=2)`, shortened with '…' past `limit` characters."""
    text = f"{block}(" + ", ".join(f"{k}={_value(v)}" for k, v in args.items()) + ")"
    return text if len(text) <= limit else text[: limit - 2] + "…)"


def compact_rows(item, weighted: tuple[str, ...] = ("conv", "linear")) -> list[tuple[str, str]]:
    """One line per weighted layer with the cheap ops after it, as (its first op, text):
    `conv 3x3, 64 · bn · relu`. Ops come from the item's data, never from parsing the text."""
    out: list[tuple[str, str]] = []
    for op, row in zip(item.ops, item.rows):
        if out and op not in weighted:
            out[-1] = (out[-1][0], out[-1][1] + " · " + row)
        else:
            out.append((op, row))
    return out
