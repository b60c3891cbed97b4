"""From a PyTorch module to a readable, checked .rg spec (`resgraph import`, `resgraph.from_module`).

The module is traced (`trace`), each call becomes an op of the registry, which reads it itself
(`layers`), the calls of submodules become blocks, groups and repetitions (`regions`, `blocks`,
`body`), and the text is written in the canonical layout (`writer`). The result is then proved:
compiled, given the module's state_dict strictly, it must compute the module's output on the
example input (`verify`). Should the recovered structure ever fail that proof, the spec is
written flat (every layer at its full path) and proved again; an import never returns a spec
that computes something else.
"""

from __future__ import annotations

import re
from typing import Iterable

import torch
from torch import nn

from ...errors import ConversionError, Diagnostic, ResgraphError, UsageError
from ...ir import Graph
from ...ir.naming import writable_model_name
from ...syntax.loader import loads_graph
from .layers import to_layers
from .readers import Readers
from .trace import trace
from .verify import BUG, UnusedTensors, listed, prove
from .writer import write


def from_module(module: nn.Module, example_input: torch.Tensor, *, name: str | None = None,
                opaque: Iterable[str | type] = (), drop_unused: bool = False) -> Graph:
    """The checked Graph of a PyTorch module; `resgraph.to_rg(graph)` is its spec, and
    `resgraph.compile(graph)` loads `module.state_dict()` strictly and computes what it does.

    `example_input` is one batch (N, C, H, W); `name` names the model (default: its class);
    `opaque` lists module paths or classes to trace as one call (an op must import them);
    `drop_unused` leaves out tensors the forward never uses (GoogLeNet's auxiliary heads in eval
    mode) instead of refusing the module.
    """
    if not isinstance(module, nn.Module):
        raise UsageError(f"from_module expects a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(example_input, torch.Tensor) or example_input.dim() < 2:
        raise UsageError("from_module expects an example input batch, a tensor such as torch.randn(1, 3, 224, 224)")
    name = name or model_name(type(module).__name__)
    if not writable_model_name(name):
        raise UsageError(f"'{name}' cannot name a model", hint="use letters, digits and _, starting with a letter")
    readers = Readers()
    net = to_layers(trace(module, example_input, readers, opaque), readers)
    warnings = list(net.warnings)
    try:
        graph, skip = _proved(net, name, module, example_input, drop_unused, structure=True)
    except UnusedTensors:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the flat spec is proved on its own
        why = exc.message if isinstance(exc, ResgraphError) else f"{type(exc).__name__}: {exc}"
        graph, skip = _flat(net, name, module, example_input, drop_unused)
        warnings.append(f"the recovered blocks did not reproduce the module ({why}); the spec is written flat")
    if skip:
        warnings.append(f"{len(skip)} tensors the forward does not use are left out: {listed(skip)}")
    graph.warnings.extend(Diagnostic("warning", w, None) for w in warnings)
    return graph


def _flat(net, name: str, module: nn.Module, example: torch.Tensor, drop_unused: bool):
    """The flat spec, proved; a failure of the importer itself is an error that says so."""
    try:
        return _proved(net, name, module, example, drop_unused, structure=False)
    except ResgraphError:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback
        raise ConversionError(f"the importer failed: {type(exc).__name__}: {exc}", hint=BUG) from exc


def _proved(net, name: str, module: nn.Module, example: torch.Tensor, drop_unused: bool, structure: bool):
    graph = loads_graph(write(net, name, structure=structure), path=f"<{name}>")
    return graph, prove(graph, module, example, drop_unused)


def model_name(class_name: str) -> str:
    """A model name from a class: ResNet → resnet, MobileNetV2 → mobilenetv2."""
    name = re.sub(r"[^0-9a-z_]", "_", class_name.lower()).strip("_")
    return name if name and not name[0].isdigit() else f"model_{name}"


__all__ = ["from_module"]
