"""The proof that an imported spec is the module: compiled, given the module's state_dict
strictly, it computes the module's output on the example input."""

from __future__ import annotations

import torch
from torch import nn

from ...backend.fx import build_module
from ...errors import ConversionError
from ...ir import Graph

BUG = "this is a bug of the importer: please report it with the model"


def prove(graph: Graph, module: nn.Module, example: torch.Tensor, drop_unused: bool) -> list[str]:
    """Compile `graph`, give it the module's tensors (all of them, strictly) and compare the
    outputs on `example`; a ConversionError says how they differ. Returns the module's keys the
    spec has no place for (tensors the traced forward never reads), which `drop_unused` allows."""
    with torch.device("meta"):  # no weights drawn: they are the module's own
        compiled = build_module(graph)
    spec_keys = set(compiled.state_dict())
    state = module.state_dict()
    skip = [k for k in state if k not in spec_keys]
    if skip and not drop_unused:
        raise UnusedTensors(
            f"the module holds {len(skip)} tensors its forward (in eval mode) does not use: {listed(skip)}",
            hint="build the model without them (torchvision's googlenet: aux_logits=False, -p aux_logits=false), "
                 "or leave them out: drop_unused=True (--drop-unused)")
    try:
        compiled.load_state_dict({k: v for k, v in state.items() if k in spec_keys}, strict=True, assign=True)
    except RuntimeError as exc:
        raise ConversionError(f"the imported spec does not hold the module's weights: {_first_lines(exc)}",
                              hint=BUG) from None
    compiled.eval()
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            want = _tensor(module(example))
            got = compiled(example)
    finally:
        module.train(was_training)
    if got.shape != want.shape:
        raise ConversionError(f"the imported spec gives a {list(got.shape)} output, the module {list(want.shape)}",
                              hint=BUG)
    scale = max(1.0, float(want.abs().max()))
    error = float((got - want).abs().max())
    if not error <= 1e-4 * scale:
        raise ConversionError(f"the imported spec computes another function: its outputs differ from the "
                              f"module's by up to {error:.3g} (outputs up to {scale:.3g})", hint=BUG)
    return skip


class UnusedTensors(ConversionError):
    """The module holds tensors its traced forward never reads: no spec of that forward has them."""


def listed(keys: list[str], shown: int = 3) -> str:
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def _tensor(out):
    """The module's output tensor (models that return it in a dict or tuple of one)."""
    if isinstance(out, torch.Tensor):
        return out
    values = list(out.values()) if isinstance(out, dict) else list(out)
    return values[0]


def _first_lines(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) < 300 else text[:300] + "…"
