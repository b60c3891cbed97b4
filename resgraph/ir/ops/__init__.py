"""The op registry. Importing this package registers every op family."""

from . import activation, conv, merge, norm, pool, shortcut, simple  # noqa: F401  (registration)
from .base import Attrs, OpDef, ShapeMismatch
from .registry import all_ops, get, is_op, names, register

__all__ = ["Attrs", "OpDef", "ShapeMismatch", "all_ops", "get", "is_op", "names", "register"]
