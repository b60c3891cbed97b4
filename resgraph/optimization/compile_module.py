"""Level 2: hand the level-1 module to torch.compile, falling back to it where that cannot work.

On the CPU, where `mkldnn_conv` has turned every convolution into a oneDNN call with prepacked
weights, level 2 keeps the level-1 module: inductor cannot fuse into those calls, traces them with
plain weights, and measured slower than level 1 at every batch size on the CPU machine
(benchmarks/RESULTS.md keeps the `-O1 + torch.compile` row that shows it).
"""

from __future__ import annotations

import shutil
import sys
import warnings

import torch
from torch import fx, nn

from .runtime_only import RuntimeOnly


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


class Compiled(RuntimeOnly, nn.Module):
    """The torch.compile'd module; runs the uncompiled one (once warning why) if compiling fails."""

    because = "it is wrapped in torch.compile (-O2)"

    def __init__(self, module: fx.GraphModule):
        super().__init__()
        self.module = module
        self.meta = module.meta
        self._compiled = torch.compile(module)
        self.fallback: str | None = None

    def forward(self, *args, **kwargs):
        self.refuse_export()
        if self.fallback is None:
            try:
                return self._compiled(*args, **kwargs)
            except Exception as exc:  # inductor's failures have no common type
                self.fallback = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                warnings.warn(f"resgraph -O2: torch.compile failed ({self.fallback}); "
                              "running the -O1 module instead", RuntimeWarning, stacklevel=2)
        return self.module(*args, **kwargs)


ONEDNN = ("the level-1 module runs its convolutions as oneDNN calls with prepacked weights, which "
          "torch.compile cannot improve (measured slower on CPU); torch.compile it yourself to compare")


def runs_on_onednn(gm: fx.GraphModule) -> bool:
    from .mkldnn_conv import FusedConv2d

    return any(isinstance(m, FusedConv2d) for m in gm.modules())


def compile_module(gm: fx.GraphModule) -> tuple[nn.Module, list[str]]:
    """(module, changes): the compiled wrapper, or gm itself with the reason it was not compiled."""
    if runs_on_onednn(gm):
        return gm, [f"skipped: {ONEDNN}"]
    reason = cannot_compile(gm)
    if reason is not None:
        warnings.warn(f"resgraph -O2: {reason}; using the -O1 module", RuntimeWarning, stacklevel=3)
        return gm, [f"skipped: {reason}"]
    return Compiled(gm), ["compiled with torch.compile (compilation happens on the first call)"]
