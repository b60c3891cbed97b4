"""The one table of ops: name (and alias) → OpDef."""

from __future__ import annotations

from ...errors import NameError_, Span, did_you_mean
from .base import OpDef

_OPS: dict[str, OpDef] = {}
_ALIASES: dict[str, str] = {}


def register(cls: type[OpDef]) -> type[OpDef]:
    """Class decorator: add an op to the registry under its name and aliases."""
    op = cls()
    for key in (cls.name, *cls.aliases):
        if key in _OPS or key in _ALIASES:
            raise ValueError(f"op name {key!r} registered twice")
    _OPS[cls.name] = op
    for alias in cls.aliases:
        _ALIASES[alias] = cls.name
    return cls


def is_op(name: str) -> bool:
    return name in _OPS or name in _ALIASES


def get(name: str, span: Span | None = None) -> OpDef:
    """The op called `name` (or one of its aliases); a NameError_ with a suggestion otherwise."""
    key = _ALIASES.get(name, name)
    if key in _OPS:
        return _OPS[key]
    raise NameError_(f"unknown op '{name}'", span, hint=did_you_mean(name, names(aliases=True)))


def names(aliases: bool = False) -> list[str]:
    return sorted([*_OPS, *(_ALIASES if aliases else ())])


def all_ops() -> list[OpDef]:
    return [_OPS[k] for k in sorted(_OPS)]
