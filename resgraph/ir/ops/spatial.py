"""Sliding-window arithmetic shared by convolution and pooling."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ..types import TensorType
from .base import MAX_KERNEL, ShapeMismatch

# Kernels, strides, paddings and pooled sizes: bounded so that torch's 64-bit arguments never overflow.
_Size = Annotated[int, Field(ge=0, le=MAX_KERNEL)]
IntPair = Union[_Size, tuple[_Size, _Size]]


def window_out(
    op: str,
    x: TensorType,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
    ceil_mode: bool = False,
) -> tuple[tuple[int | None, ...], tuple[int, ...] | None]:
    """Output spatial size and scale of a window op (PyTorch's formula); ShapeMismatch if it empties."""
    out: list[int | None] = []
    for size, k, s, p, d in zip(x.spatial, kernel, stride, padding, dilation):
        if size is None:
            out.append(None)
            continue
        span = size + 2 * p - d * (k - 1) - 1
        n = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (n - 1) * s >= size + p:  # as PyTorch: the last window starts inside the map
            n -= 1
        if span < 0 or n < 1:
            raise ShapeMismatch(
                f"{op} shrinks the {x.spatial[0]}x{x.spatial[1]} map to nothing "
                f"(kernel {k}, stride {s}, padding {p}, dilation {d})",
                "use a smaller kernel or stride, more padding, or a larger input",
            )
        out.append(n)
    scale = None if x.scale is None else tuple(sc * s for sc, s in zip(x.scale, stride))
    return tuple(out), scale


def window_text(kernel: tuple[int, int], stride: tuple[int, int]) -> str:
    """A window as papers write it: `3x3`, `3x3/2`, `1x3/2x1` (stride shown when not 1)."""
    text = f"{kernel[0]}x{kernel[1]}"
    if stride != (1, 1):
        text += f"/{stride[0]}" if stride[0] == stride[1] else f"/{stride[0]}x{stride[1]}"
    return text
