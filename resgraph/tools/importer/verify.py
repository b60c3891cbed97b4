"""The proof that an imported spec is the module: compiled, given the module's state_dict
strictly, it computes the module's output on the example input."""

from __future__ import annotations

import torch
from torch import nn

from ...backend.fx import build_module
from ...errors import ConversionError
from ...ir import Graph


def unused_keys(module: nn.Module, graph: Graph) -> list[str]:
    """The module's state_dict keys that the spec has no place for (layers the traced forward
    never reached, such as GoogLeNet's auxiliary heads in eval mode)."""
    with torch.device("meta"):
        spec_keys = set(build_module(graph).state_dict())
    return [k for k in module.state_dict() if k not in spec_keys]


def verify(graph: Graph, module: nn.Module, example: torch.Tensor, skip: list[str] = ()) -> None:
    """Compile `graph`, load the module's weights strictly (but the `skip` keys) and compare the
    outputs; a ConversionError says how they differ."""
    state = {k: v for k, v in module.state_dict().items() if k not in set(skip)}
    compiled = build_module(graph, seed=0)
    try:
        compiled.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ConversionError(f"the imported spec does not hold the module's weights: {_first_lines(exc)}",
                              hint="this is a bug of the importer: please report it with the model") from None
    device = next((t.device for t in module.state_dict().values()), torch.device("cpu"))
    compiled.to(device).eval()
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
                              hint="this is a bug of the importer: please report it with the model")
    scale = max(1.0, float(want.abs().max()))
    error = float((got - want).abs().max())
    if not error <= 1e-4 * scale:
        raise ConversionError(f"the imported spec computes another function: its outputs differ from the "
                              f"module's by up to {error:.3g} (outputs up to {scale:.3g})",
                              hint="this is a bug of the importer: please report it with the model")


def _tensor(out):
    """The module's output tensor (models that return it in a dict or tuple of one)."""
    if isinstance(out, torch.Tensor):
        return out
    values = list(out.values()) if isinstance(out, dict) else list(out)
    return values[0]


def _first_lines(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) < 300 else text[:300] + "…"
