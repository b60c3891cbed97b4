"""What every exporter needs from a module: example inputs, their names, eval mode, and the checks.

A compiled module knows its input shapes (the Graph in `meta["resgraph"]`), so an export needs no
example from the caller; any other module must be given one.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import nn

from ..errors import CompileError, UsageError
from ..optimization.runtime_only import check_exportable

OUTPUT = "output"  # the model's one output, in the ONNX file


def graph_of(module: nn.Module):
    """The resgraph Graph a module was compiled from, or None."""
    meta = getattr(module, "meta", None)
    return meta.get("resgraph", {}).get("graph") if isinstance(meta, dict) else None


def checked(module: object, fn: str) -> nn.Module:
    """`module` if it is an nn.Module that exporters can read (see optimization.runtime_only)."""
    if not isinstance(module, nn.Module):
        raise UsageError(f"{fn} expects a torch.nn.Module (from resgraph.compile or load_model), "
                         f"not {type(module).__name__}")
    check_exportable(module)
    return module


def example_inputs(module: nn.Module, example_input=None, batch: int = 1) -> tuple[torch.Tensor, ...]:
    """The tensors to trace with: `example_input` (a tensor or a tuple of them), else random ones of
    the compiled graph's input shapes, `batch` deep, on the module's device and dtype."""
    if example_input is not None:
        inputs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
        if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
            raise UsageError(f"example_input must be a tensor or a tuple of tensors, got {example_input!r:.60}")
        return tuple(inputs)
    graph = graph_of(module)
    if graph is None:
        raise UsageError(f"{type(module).__name__} was not compiled by resgraph, so its input shape is unknown",
                         hint="pass example_input=torch.randn(1, 3, 224, 224) (a batch of the model's input)")
    first = next(iter([*module.parameters(), *module.buffers()]), torch.empty(0))
    dtype = first.dtype if first.is_floating_point() else torch.float32
    gen = torch.Generator().manual_seed(0)
    inputs = []
    for name in graph.inputs:
        dims = graph.type_of(name).dims()
        if None in dims:
            raise UsageError(f"input {name} has no fixed size ({graph.type_of(name)}), so an example "
                             "cannot be made", hint="pass example_input, or compile with input_shape=(C, H, W)")
        inputs.append(torch.randn(batch, *dims, generator=gen).to(first.device, dtype))
    return tuple(inputs)


def input_names(module: nn.Module, count: int) -> list[str]:
    """The spec's input names (`x`), or input, input1, ... for a module resgraph did not compile."""
    graph = graph_of(module)
    if graph is not None and len(graph.inputs) == count and OUTPUT not in graph.inputs:
        return list(graph.inputs)
    return ["input"] if count == 1 else [f"input{i}" for i in range(count)]


@contextlib.contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """The module in eval mode for the block, each layer's own mode restored after."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for m, training in modes:
            m.training = training


def failed(exporter: str, exc: Exception, hint: str) -> CompileError:
    """An exporter's own exception (they share no type) as a CompileError naming its first line."""
    first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    return CompileError(f"{exporter} could not export this module: {first.strip()[:300]}", hint=hint)
