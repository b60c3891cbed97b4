"""Tracing a PyTorch module into one torch.fx graph, with the value every node took.

The tracer stops at the modules an op of the registry imports (`OpDef.imports` names their class),
at torch.nn's own modules (an unclaimed one is then reported by name rather than traced into
torch's internals) and at the modules the caller marks opaque; it goes into everything else, so
that a timm block shows its convolutions, norms and merges. The module runs once on the example
input (in eval mode) so that sizes, shapes and assertions are known numbers, not symbols.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch
from torch import fx, nn

from ...errors import ConversionError
from ...ir.ops.imports import module_key
from .readers import Readers


@dataclass
class Trace:
    """The traced graph, the module it came from and each node's value on the example input."""

    graph: fx.Graph
    root: nn.Module
    values: dict[fx.Node, Any]


class _Tracer(fx.Tracer):
    def __init__(self, readers: Readers, opaque: frozenset) -> None:
        super().__init__()
        self.readers = readers
        self.opaque = opaque

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        if qualname in self.opaque or type(m) in self.opaque or module_key(type(m)) in self.opaque:
            return True
        if self.readers.claims(type(m)):
            return True
        return super().is_leaf_module(m, qualname)  # torch.nn's modules, but not Sequential


def trace(module: nn.Module, example: torch.Tensor, readers: Readers, opaque=()) -> Trace:
    """Trace `module` in eval mode and run the trace on `example`, recording each node's value."""
    tracer = _Tracer(readers, frozenset(opaque))
    tracer.record_stack_traces = True  # to tell a custom autograd function's forward from the model's
    was_training = module.training
    module.eval()
    try:
        try:
            graph = tracer.trace(module, concrete_args=_defaults(module))
        except Exception as exc:  # noqa: BLE001 - whatever user code raises on proxies is reported
            raise _trace_error(tracer, exc) from None
        gm = fx.GraphModule(module, graph)
        values: dict[fx.Node, Any] = {}
        recorder = _Recorder(gm, values)
        try:
            with torch.no_grad():
                recorder.run(example)
        except Exception as exc:  # noqa: BLE001
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ConversionError(f"the module fails on the example input: {type(exc).__name__}: {first}",
                                  hint="check the input's shape (--input C,H,W) against what the model expects") \
                from None
    finally:
        module.train(was_training)
    return Trace(graph, module, values)


def _defaults(module: nn.Module) -> dict[str, Any]:
    """The forward's arguments after the input, at their defaults (`return_features=False`), so
    that the trace takes the branch a call with one input takes."""
    params = list(inspect.signature(module.forward).parameters.values())[1:]
    missing = [p.name for p in params if p.default is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if missing:
        raise ConversionError(f"the model's forward takes more than one input ({', '.join(missing)} besides the first)",
                              hint="wrap the model so that its forward takes one tensor")
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


class _Recorder(fx.Interpreter):
    """Runs the trace and keeps what the conversion reads: every value, but of the tensors computed
    from the input only their shapes (as meta tensors), so that a big model's activations are
    freed as it runs."""

    def __init__(self, gm: fx.GraphModule, values: dict) -> None:
        super().__init__(gm)
        self.values = values
        self.flow: set[fx.Node] = set()

    def run_node(self, n: fx.Node) -> Any:
        out = super().run_node(n)
        if n.op == "placeholder" and not self.flow or any(a in self.flow for a in n.all_input_nodes):
            self.flow.add(n)
            if isinstance(out, torch.Tensor):
                self.values[n] = torch.empty(out.shape, dtype=out.dtype, device="meta")
                return out
        self.values[n] = out
        return out


def _trace_error(tracer: _Tracer, exc: Exception) -> ConversionError:
    """Where tracing stopped (the innermost module being traced) and what to do about it."""
    stack = list(tracer.module_stack.values())
    reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    if not stack or not stack[-1][0]:
        cls = type(tracer.root)
        return ConversionError(f"cannot trace the model ({module_key(cls)}): {reason}",
                               hint="its forward branches on tensor values or calls code torch.fx cannot "
                                    "follow; write that part as a module and mark it opaque")
    path, cls = stack[-1]
    return ConversionError(
        f"cannot trace {path} ({module_key(cls)}): {reason}",
        hint=f"its forward branches on tensor values or calls code torch.fx cannot follow: mark it opaque "
             f"(opaque=[\"{path}\"], --opaque {path}) and register an op whose imports() names "
             f"\"{module_key(cls)}\" (docs/plugins.md)",
    )
