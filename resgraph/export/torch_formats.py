"""torch.export and TorchScript, with the input shapes a compiled module knows and resgraph's checks.

Each is torch's own function; what is added is the example input (from the Graph), the dynamic
batch dimension, a UsageError before tracing a runtime-only module, and a CompileError in place of
an exporter's traceback. The module is exported in the mode it is in (torch.export records it;
a ScriptModule still switches with .eval()), so call .eval() first for inference.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ResgraphError
from .inputs import checked, example_inputs, failed

HINT = ("resgraph's level-0 and portable level-1 modules export; a layer of your own (a plugin op) "
        "must be written in torch ops the exporter knows")


def export_program(module: nn.Module, example_input=None, *, dynamic_batch: bool = False):
    """`torch.export.export(module, inputs)`: a torch.export.ExportedProgram; with `dynamic_batch`,
    the batch dimension of every input is one symbolic size (traced at batch 2: torch.export
    specializes a size of 1)."""
    checked(module, "export_program")
    inputs = example_inputs(module, example_input, batch=2 if dynamic_batch else 1)
    shapes = None
    if dynamic_batch:
        batch = torch.export.Dim("batch")
        shapes = tuple({0: batch} for _ in inputs)
    return _run("torch.export", lambda: torch.export.export(module, inputs, dynamic_shapes=shapes))


def script(module: nn.Module) -> torch.jit.ScriptModule:
    """`torch.jit.script(module)` (TorchScript, which torch 2.13 warns is deprecated)."""
    checked(module, "script")
    return _run("torch.jit.script", lambda: torch.jit.script(module))


def trace(module: nn.Module, example_input=None) -> torch.jit.ScriptModule:
    """`torch.jit.trace(module, inputs)`, with the graph's input shape when no example is given."""
    checked(module, "trace")
    inputs = example_inputs(module, example_input)
    return _run("torch.jit.trace", lambda: torch.jit.trace(module, inputs))


def _run(exporter: str, call):
    try:
        return call()
    except ResgraphError:
        raise
    except Exception as exc:  # exporters raise many unrelated types
        raise failed(exporter, exc, HINT) from None
