"""The round trip every imported model must make (a helper, no tests): imported, checked,
compiled, given the original's weights strictly, equal outputs, and -O1 equal to -O0."""

from __future__ import annotations

import torch
from torch import nn

import resgraph
from resgraph.syntax.fmt import format_text

TOLERANCE = 1e-5


def outputs(y):
    return y["out"] if isinstance(y, dict) else y


def roundtrip(module: nn.Module, x: torch.Tensor, name: str | None = None) -> tuple[resgraph.Graph, str]:
    """Import `module` on `x` and prove the spec by hand; returns the graph and its text."""
    graph = resgraph.from_module(module, x, name=name)
    text = resgraph.to_rg(graph)
    assert format_text(text) == text, "the spec is not in `resgraph fmt` layout"
    again = resgraph.loads(text)  # the text alone is the model
    assert again.param_count() == graph.param_count() == sum(p.numel() for p in module.parameters())
    with torch.device("meta"):  # its weights are the module's: none drawn
        compiled = resgraph.compile(again)
    compiled.load_state_dict({k: v.clone() for k, v in module.state_dict().items()}, strict=True, assign=True)
    compiled.eval()
    module.eval()
    with torch.no_grad():
        want = outputs(module(x))
        got = compiled(x)
        scale = max(1.0, want.abs().max().item())
        assert (got - want).abs().max().item() <= TOLERANCE * scale
        optimized = resgraph.optimize(compiled, opt_level=1)(x)
        assert (optimized - got).abs().max().item() <= 1e-4 * scale
    return graph, text
