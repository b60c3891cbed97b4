"""The static type of a value in the graph: what shape inference knows before any tensor exists."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class TensorType:
    """Per-sample shape of a value (no batch dimension).

    ``channels`` is dimension 1 of the tensor (feature maps) or its only dimension (vectors).
    ``spatial`` holds the sizes after the channels, ``None`` where the input size is not declared.
    ``scale`` is the cumulative downsampling factor from the graph input per spatial dimension,
    so that merges can be checked for equal resolution without an input size; ``None`` once a
    layer produces a fixed size (adaptive pooling) that no longer depends on the input. It is an
    exact rational, so that upsampling can undo striding: 2x up of a /4 map is /2, and a 2x up of
    a /1 map is Fraction(1, 2). Whole factors are stored as ints (the common case stays cheap and
    prints as before).
    """

    channels: int
    spatial: tuple[int | None, ...] = ()
    scale: tuple[int | Fraction, ...] | None = None

    def __post_init__(self) -> None:
        if self.scale is not None and any(type(s) is Fraction for s in self.scale):
            whole = tuple(int(s) if s.denominator == 1 else s for s in self.scale)
            object.__setattr__(self, "scale", whole)

    @property
    def rank(self) -> int:
        return 1 + len(self.spatial)

    @property
    def is_map(self) -> bool:
        return len(self.spatial) > 0

    @property
    def known(self) -> bool:
        return all(s is not None for s in self.spatial)

    def dims(self) -> tuple[int | None, ...]:
        return (self.channels, *self.spatial)

    def numel(self) -> int | None:
        n = self.channels
        for s in self.spatial:
            if s is None:
                return None
            n *= s
        return n

    def __str__(self) -> str:
        return "[" + ", ".join("?" if d is None else str(d) for d in self.dims()) + "]"
