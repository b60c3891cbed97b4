"""resgraph: write residual and dense architectures down as checked .rg specs, get fast torch modules."""

from .api import compile, from_module, load, load_model, loads, optimize, save_model, to_onnx
from .builder import Builder, block
from .errors import ResgraphError
from .ir import Graph, TensorType
from .ir.ops.registry import register as register_op, unregister as unregister_op
from .syntax.unparse import to_rg
from .tools.viz import to_dot

__version__ = "0.1.0"

__all__ = [
    "Builder",
    "Graph",
    "ResgraphError",
    "TensorType",
    "block",
    "compile",
    "from_module",
    "load",
    "load_model",
    "loads",
    "optimize",
    "register_op",
    "save_model",
    "to_dot",
    "to_onnx",
    "to_rg",
    "unregister_op",
]
