"""Run an ONNX model with onnxruntime and compare it with the module it was exported from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .extra import require
from .inputs import eval_mode

TOLERANCE = 1e-4  # of the output's largest magnitude (at least 1): float32 kernels round differently


@dataclass(frozen=True)
class Agreement:
    """How far onnxruntime's outputs are from the module's, over the inputs compared."""

    max_difference: float  # largest |onnxruntime - module|
    max_output: float      # largest |module output|

    @property
    def ok(self) -> bool:
        return self.max_difference <= TOLERANCE * max(1.0, self.max_output)


def compare(module: nn.Module, model: bytes | str | Path, inputs: list[tuple[torch.Tensor, ...]]) -> Agreement:
    """Run the ONNX model (its bytes or its file) on each tuple of inputs on the CPU, and the module
    in eval mode on the same ones."""
    ort = require("onnxruntime", "checking the ONNX model against the module")
    session = ort.InferenceSession(model if isinstance(model, bytes) else str(model),
                                   providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    diff = top = 0.0
    with eval_mode(module), torch.no_grad():
        for args in inputs:
            ref = module(*args).float().cpu()
            got = torch.from_numpy(session.run(None, dict(zip(names, (a.cpu().numpy() for a in args))))[0])
            diff = max(diff, (got - ref).abs().max().item())
            top = max(top, ref.abs().max().item())
    return Agreement(diff, top)
