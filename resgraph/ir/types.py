"""The static type of a value in the graph: what shape inference knows before any tensor exists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TensorType:
    """Per-sample shape of a value (no batch dimension).

    ``channels`` is dimension 1 of the tensor (feature maps) or its only dimension (vectors).
    ``spatial`` holds the sizes after the channels, ``None`` where the input size is not declared.
    ``scale`` is the cumulative downsampling factor from the graph input per spatial dimension,
    so that merges can be checked for equal resolution without an input size; ``None`` once a
    layer produces a fixed size (adaptive pooling) that no longer depends on the input.
    """

    channels: int
    spatial: tuple[int | None, ...] = ()
    scale: tuple[int, ...] | None = None

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
