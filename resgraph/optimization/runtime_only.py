"""The mark of a layer that only this process can run: no exporter can write it down.

`mkldnn_conv`'s oneDNN calls with prepacked weights and level 2's torch.compile wrapper run here and
nowhere else: torch.onnx, torch.export and TorchScript know neither. Their modules inherit
`RuntimeOnly`, so that any exporter, called by resgraph or straight from torch, stops with one
UsageError that says which levels export, instead of an exporter's message about an unknown op.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import UsageError

EXPORTS = ("level 0 and the portable level 1 export: resgraph.optimize(module, opt_level=1, "
           "portable=True), or `resgraph export -O1`")


class RuntimeOnly:
    """A mixin for nn.Module layers that exporters cannot read; `because` says what the layer is."""

    because = "it was optimized for this process's runtime"

    def refuse_export(self) -> None:
        """Raise when called while an exporter traces the module (call first thing in forward)."""
        if torch.jit.is_tracing() or _exporting():
            raise export_error(self.because)

    def __prepare_scriptable__(self):  # torch.jit.script asks every submodule first
        raise export_error(self.because)


def export_error(because: str) -> UsageError:
    return UsageError(f"this module cannot be exported: {because}", hint=EXPORTS)


def check_exportable(module: nn.Module) -> None:
    """A UsageError if any layer of `module` is runtime-only (checked before an export starts)."""
    for layer in module.modules():
        if isinstance(layer, RuntimeOnly):
            raise export_error(layer.because)


def _exporting() -> bool:
    is_exporting = getattr(torch.compiler, "is_exporting", None)  # torch >= 2.5
    return is_exporting is not None and is_exporting()
