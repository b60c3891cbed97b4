"""The one table of ops: name (and alias) → OpDef."""

from __future__ import annotations

from ...errors import NameError_, Span, did_you_mean
from .base import SEQ_STYLE, EdgeStyle, OpDef

_OPS: dict[str, OpDef] = {}
_ALIASES: dict[str, str] = {}


def register(cls: type[OpDef]) -> type[OpDef]:
    """Class decorator: add an op to the registry under its name and aliases.

    Public as `resgraph.register_op`: a plugin registers its ops when it is imported.
    """
    op = cls()
    for key in (cls.name, *cls.aliases):
        if key in _OPS or key in _ALIASES:
            raise ValueError(f"op name {key!r} registered twice")
    if cls.edge != "seq":
        owner = next((o for o in _OPS.values() if o.edge == cls.edge), None)
        if cls.edge_style is None and owner is None:
            raise ValueError(f"op {cls.name!r} has edge kind {cls.edge!r} but no edge_style")
        if cls.edge_style is not None and owner is not None and owner.edge_style != cls.edge_style:
            raise ValueError(f"edge kind {cls.edge!r} is styled by {owner.name!r} already")
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


def edge_styles() -> dict[str, EdgeStyle]:
    """Every edge kind and how it is drawn: "seq" first, then the merges' kinds by name."""
    styles = {"seq": SEQ_STYLE}
    for op in all_ops():
        if op.edge != "seq" and op.edge_style is not None:
            styles.setdefault(op.edge, op.edge_style)
    return styles
