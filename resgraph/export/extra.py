"""The optional `onnx` extra (onnx, onnxscript, onnxruntime): imported when asked for, with the
install line when missing, like `plot`'s matplotlib."""

from __future__ import annotations

import importlib

from ..errors import UsageError

INSTALL = "pip install 'resgraph[onnx]'"


def require(module: str, why: str):
    """Import a module of the `onnx` extra, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{why} needs {module}, which is not installed", hint=INSTALL) from None
