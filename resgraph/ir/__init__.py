"""The intermediate representation: Graph, TensorType and the op registry."""

from . import ops
from .graph import Graph, Scope
from .types import TensorType

__all__ = ["Graph", "Scope", "TensorType", "ops"]
