"""The op registry. Importing this package registers every op family."""

from . import (  # noqa: F401  (registration)
    activation,
    channels,
    conv,
    elementwise,
    layer_group_norm,
    merge,
    norm,
    pool,
    regularize,
    resample,
    scale,
    shortcut,
    simple,
)
from .base import Attrs, OpDef, ShapeMismatch
from .registry import all_ops, get, is_op, names, register

__all__ = ["Attrs", "OpDef", "ShapeMismatch", "all_ops", "get", "is_op", "names", "register"]
