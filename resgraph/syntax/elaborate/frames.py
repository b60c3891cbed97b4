"""The data elaboration walks: files (Unit), namespaces (Frame) and names used early (Pending)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import Span
from .. import ast
from .failures import ALREADY_FAILED


@dataclass
class Unit:
    """One parsed file with the blocks and models it can see (its own and imported ones)."""

    source: Any
    file: ast.File
    blocks: dict[str, tuple[ast.BlockDef, "Unit"]] = field(default_factory=dict)
    models: dict[str, tuple[ast.ModelDef, "Unit"]] = field(default_factory=dict)
    sources: list = field(default_factory=list)  # this file and everything it imports


@dataclass(eq=False)
class Pending:
    """A value named before its binding line; `target` is set when its scope ends (ALREADY_FAILED
    when nothing binds it, or its binding failed), or earlier when a size query finds it bound."""

    name: str
    span: Span
    frame: Any = None  # the Frame that looks the name up
    target: Any = None


@dataclass(frozen=True)
class Several:
    """The outputs of a block that binds `out = (res, dense)`: destructured where it is bound."""

    values: tuple
    names: tuple[str, ...]  # the names the block binds them to, for messages
    block: str | None = None  # the block whose instance gave them (None: the `(a, b)` itself)


class _UnknownMarker:
    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _UnknownMarker()  # what an unknown op gives: the rest of its chain is checked, not built

Value = Any  # str (a node path) | Pending | Several | UNKNOWN


@dataclass(eq=False)
class Frame:
    """The namespace of a model or block instance. `values` maps a name to its value, or to
    ALREADY_FAILED when the statement binding it failed."""

    prefix: str
    unit: Unit
    input: Value | None
    values: dict[str, Value] = field(default_factory=dict)
    bound_at: dict[str, Span] = field(default_factory=dict)
    pendings: list[Pending] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)  # next suffix per fresh-name base
    names_lost: bool = False  # a failed statement bound names no one can list (a loop, a conditional)

    def path(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local

    def fail(self, name: str) -> None:
        """Mark `name` failed, unless it holds a value (the failure was binding it twice)."""
        self.values.setdefault(name, ALREADY_FAILED)

    def binds(self, name: str) -> bool:
        """Whether `name` holds a value (a failed binding does not)."""
        v = self.values.get(name)
        return v is not None and v is not ALREADY_FAILED

    def bound_names(self) -> list[str]:
        return [n for n, v in self.values.items() if v is not ALREADY_FAILED]
