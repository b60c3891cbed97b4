"""resgraph: write residual and dense architectures down as checked .rg specs, get fast torch modules."""

from .api import compile, load, load_model, loads, optimize, save_model
from .errors import ResgraphError
from .ir import Graph, TensorType

__version__ = "0.1.0"

__all__ = [
    "Graph",
    "ResgraphError",
    "TensorType",
    "compile",
    "load",
    "load_model",
    "loads",
    "optimize",
    "save_model",
]
