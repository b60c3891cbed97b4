"""Level 2: hand the level-1 module to torch.compile, falling back to it where that cannot work."""

from __future__ import annotations

import shutil
import sys
import warnings

import torch
from torch import fx, nn


def cannot_compile(gm: fx.GraphModule) -> str | None:
    """Why torch.compile cannot run on this platform (None when it can, as far as we can tell)."""
    import torch._dynamo

    if not torch._dynamo.is_dynamo_supported():
        return f"torch.compile does not support Python {sys.version.split()[0]} on this platform"
    params = list(gm.parameters()) + list(gm.buffers())
    cpu = not params or params[0].device.type == "cpu"
    if cpu and not (shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")):
        return "torch.compile on CPU needs a C++ compiler (g++ or clang++) and none is on PATH"
    return None


class Compiled(nn.Module):
    """The torch.compile'd module; runs the uncompiled one (once warning why) if compiling fails."""

    def __init__(self, module: fx.GraphModule):
        super().__init__()
        self.module = module
        self.meta = module.meta
        self._compiled = torch.compile(module)
        self.fallback: str | None = None

    def forward(self, *args, **kwargs):
        if self.fallback is None:
            try:
                return self._compiled(*args, **kwargs)
            except Exception as exc:  # inductor's failures have no common type
                self.fallback = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                warnings.warn(f"resgraph -O2: torch.compile failed ({self.fallback}); "
                              "running the -O1 module instead", RuntimeWarning, stacklevel=2)
        return self.module(*args, **kwargs)


def compile_module(gm: fx.GraphModule) -> tuple[nn.Module, list[str]]:
    """(module, changes): the compiled wrapper, or gm itself with the reason it was not compiled."""
    reason = cannot_compile(gm)
    if reason is not None:
        warnings.warn(f"resgraph -O2: {reason}; using the -O1 module", RuntimeWarning, stacklevel=3)
        return gm, [f"skipped: {reason}"]
    return Compiled(gm), ["compiled with torch.compile (compilation happens on the first call)"]
