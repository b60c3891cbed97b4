"""resgraph: write residual and dense architectures down as checked .rg specs, get fast torch modules."""

from .api import compile, load, load_model, loads, optimize, save_model
from .errors import ResgraphError
from .ir import Graph, TensorType
from .builder import Builder, block

__version__ = "0.1.0"

__all__ = [
    "Builder",
    "Graph",
    "ResgraphError",
    "TensorType",
    "block",
    "compile",
    "load",
    "load_model",
    "loads",
    "optimize",
    "save_model",
]
