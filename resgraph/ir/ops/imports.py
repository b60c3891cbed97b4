"""What an op's `imports` readers see: one call of a traced PyTorch module (`resgraph import`).

An op recognises its torch counterparts itself (`OpDef.imports`: a module class, a function or a
`torch.Tensor` method → a reader), so the importer asks the registry and keeps no table of its
own. A reader gets a `TorchCall` and answers with the op's attributes (a dict, or `Imported` when
the op's tensors live at a path of the caller's), None when the call is not this op's, or raises
`NotImportable` when it is but a setting has no counterpart (the importer reports the reason).

Plain data, no torch import: readers import torch themselves, when they run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Union


@dataclass(frozen=True)
class Operand:
    """A tensor computed from the model's input: its shape (batch first) and where its channels
    are (a map the caller permuted to N, H, W, C has them last, as ConvNeXt's MLP sees them)."""

    shape: tuple[int, ...]
    channels_last: bool = False

    @property
    def channels(self) -> int:
        return self.shape[-1] if self.channels_last else self.shape[1]

    @property
    def is_map(self) -> bool:
        return len(self.shape) == 4

    @property
    def spatial(self) -> tuple[int, ...]:
        return self.shape[1:-1] if self.channels_last else self.shape[2:]


@dataclass(frozen=True)
class Held:
    """A parameter or buffer a function reads (`F.batch_norm(x, self.running_mean, ...)`, timm's
    `gamma`), possibly reshaped: its state_dict key, its value as the call sees it, its module."""

    path: str
    value: Any
    owner: Any


@dataclass(frozen=True)
class Imported:
    """A reader's answer when the op's tensors are held by the calling module rather than by a
    module of their own: `path` is where the node must sit for its state_dict keys to match."""

    attrs: dict[str, Any]
    path: str | None = None


class NotImportable(Exception):
    """The call is this op's, but with a setting the op cannot express (`padding_mode="reflect"`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TorchCall:
    """One call: `target` is the module instance (a module call), the function, or the
    `torch.Tensor` method (`torch.Tensor.mean` for `x.mean(...)`); tensors from the input are
    `Operand`s in `args`/`kwargs`, held tensors `Held`, everything else its traced value."""

    target: Any
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    out: Operand | None = None

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """The argument at position `index` (counting the operand of a method) or keyword `name`."""
        if index < len(self.args):
            return self.args[index]
        return self.kwargs.get(name, default)

    @property
    def operands(self) -> list[Operand]:
        """The input tensors, in argument order (a list argument, as torch.cat's, flattened)."""
        found: list[Operand] = []
        for a in [*self.args, *self.kwargs.values()]:
            for x in (a if isinstance(a, (list, tuple)) else (a,)):
                if isinstance(x, Operand):
                    found.append(x)
        return found

    @property
    def held(self) -> list[Held]:
        return [a for a in [*self.args, *self.kwargs.values()] if isinstance(a, Held)]


Reader = Callable[[TorchCall], Union[dict, Imported, None]]


def module_key(cls: type) -> str:
    """How a class is named in `imports` when its library is not resgraph's dependency (timm's
    DropPath): its module and qualified name, "timm.layers.drop.DropPath"."""
    return f"{cls.__module__}.{cls.__qualname__}"


def held_owner(tensors: dict[str, Any]) -> str | None:
    """The module path holding each given argument (name → argument; None for an absent one) as
    `<path>.<name>`, a functional layer's weight, bias or running statistics; None otherwise."""
    paths = set()
    for name, a in tensors.items():
        if a is None:
            continue
        if not isinstance(a, Held) or a.path.rpartition(".")[2] != name:
            return None
        paths.add(a.path.rpartition(".")[0])
    return paths.pop() if len(paths) == 1 else None


def single(call: TorchCall) -> Operand | None:
    """The call's one input tensor, or None when it has none or several (not a one-input op)."""
    found = call.operands
    return found[0] if len(found) == 1 and not call.held else None


def float32(v: float) -> float:
    """A value read from a float32 tensor as the shortest decimal that is the same float32
    (1e-06, not 9.999999974752427e-07)."""
    import struct

    def as32(x: float) -> float:
        return struct.unpack("f", struct.pack("f", x))[0]

    for digits in range(1, 10):
        shorter = float(f"{v:.{digits}g}")
        if as32(shorter) == as32(v):
            return shorter
    return v


def compact(v: Any) -> Any:
    """A size as a spec writes it: (3, 3) is 3, (3, 1) stays a pair, [2, 2] is 2."""
    if isinstance(v, (list, tuple)):
        v = tuple(int(x) for x in v)
        return v[0] if len(set(v)) == 1 else v
    return v


__all__ = ["Held", "Imported", "NotImportable", "Operand", "Reader", "TorchCall", "compact", "float32",
           "held_owner", "module_key", "single"]
