"""The one table of ops: name (and alias) → OpDef, and the plugins that add to it.

A plugin is a Python module that registers ops when imported: named on the command line
(`--plugin package.module`, see `load_plugin`) or declared by an installed distribution in the
`resgraph.ops` entry-point group, which is loaded once, on the first look-up.
"""

from __future__ import annotations

import importlib

from ...errors import NameError_, Span, UsageError, did_you_mean
from .base import SEQ_STYLE, EdgeStyle, OpDef

ENTRY_POINT_GROUP = "resgraph.ops"

_OPS: dict[str, OpDef] = {}
_ALIASES: dict[str, str] = {}
_entry_points_loaded = False


def register(cls: type[OpDef]) -> type[OpDef]:
    """Class decorator: add an op to the registry under its name and aliases.

    Public as `resgraph.register_op`: a plugin registers its ops when it is imported. A name or
    alias that is taken already is a ValueError (unregister the old op first to replace it).
    """
    op = cls()
    for key in (cls.name, *cls.aliases):
        if key in _OPS or key in _ALIASES:
            owner = _OPS.get(_ALIASES.get(key, key))
            raise ValueError(f"cannot register op {cls.name!r}: the name {key!r} belongs to "
                             f"{type(owner).__module__}.{type(owner).__qualname__} already")
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


def unregister(name: str) -> None:
    """Remove the op called `name` and its aliases (public as `resgraph.unregister_op`)."""
    if name not in _OPS:
        raise ValueError(f"no op {name!r} is registered")
    op = _OPS.pop(name)
    for alias in op.aliases:
        _ALIASES.pop(alias, None)


def load_plugin(module: str, origin: str = "--plugin") -> None:
    """Import a plugin module (it registers its ops); a failure is a UsageError naming both."""
    try:
        importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - whatever a plugin raises, the user sees which one failed
        raise UsageError(f"{origin} {module}: the plugin failed to import: {type(exc).__name__}: {exc}",
                         hint="check that the module is on PYTHONPATH (or installed) and imports cleanly") from None


def _load_entry_points() -> None:
    """Import every `resgraph.ops` entry point of the installed distributions, once per process."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        load_plugin(ep.module, f"entry point {ep.name!r} ({ENTRY_POINT_GROUP}):")


def is_op(name: str) -> bool:
    _load_entry_points()
    return name in _OPS or name in _ALIASES


def get(name: str, span: Span | None = None) -> OpDef:
    """The op called `name` (or one of its aliases); a NameError_ with a suggestion otherwise."""
    _load_entry_points()
    key = _ALIASES.get(name, name)
    if key in _OPS:
        return _OPS[key]
    raise NameError_(f"unknown op '{name}'", span, hint=did_you_mean(name, names(aliases=True)))


def names(aliases: bool = False) -> list[str]:
    _load_entry_points()
    return sorted([*_OPS, *(_ALIASES if aliases else ())])


def all_ops() -> list[OpDef]:
    _load_entry_points()
    return [_OPS[k] for k in sorted(_OPS)]


def edge_styles() -> dict[str, EdgeStyle]:
    """Every edge kind and how it is drawn: "seq" first, then the merges' kinds by name."""
    styles = {"seq": SEQ_STYLE}
    for op in all_ops():
        if op.edge != "seq" and op.edge_style is not None:
            styles.setdefault(op.edge, op.edge_style)
    return styles
