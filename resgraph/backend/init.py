"""Weight initialization schemes, named after the conventions of torchvision's reference models.

A scheme is PyTorch's default init (every layer's `reset_parameters`) followed by a few rules that
override it, so that a scheme says only what it changes; the default is skipped for a layer whose
every tensor a rule overwrites (a bias-free conv under He init halves a resnet152's init time).
Written as data, the same rules drive the compiled module (`initialize`) and the standalone Python
file (`codegen.py`). A spec picks one with `option init = "..."`; the bn op's `zero_init=true` is
applied after any scheme.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..errors import CompileError, did_you_mean


@dataclass(frozen=True)
class Rule:
    """`torch.nn.init.<fn>(m.<tensor>, **kwargs)` for every module `m` of type `module`."""

    module: type[nn.Module]
    tensor: str
    fn: str
    kwargs: tuple[tuple[str, Any], ...] = ()


SCHEMES: dict[str, tuple[Rule, ...]] = {
    # torchvision ResNet: He init scaled by fan-out; BN 1/0 and linear as PyTorch leaves them.
    "kaiming_fan_out": (
        Rule(nn.Conv2d, "weight", "kaiming_normal_", (("mode", "fan_out"), ("nonlinearity", "relu"))),
    ),
    # torchvision DenseNet: He init scaled by fan-in; linear bias 0.
    "kaiming_fan_in": (
        Rule(nn.Conv2d, "weight", "kaiming_normal_"),
        Rule(nn.Linear, "bias", "zeros_"),
    ),
    # PyTorch's defaults alone (conv/linear: kaiming_uniform_ with a=sqrt(5)).
    "torch": (),
}
DEFAULT_SCHEME = "kaiming_fan_out"  # the ResNet convention: He init suits ReLU networks of any depth


def scheme_of(graph) -> str:
    """The scheme a graph asks for (`option init`), checked against the known ones."""
    name = graph.options.get("init", DEFAULT_SCHEME)
    if name not in SCHEMES:
        known = ", ".join(f'"{s}"' for s in SCHEMES)
        hint = did_you_mean(str(name), SCHEMES)
        raise CompileError(
            f"model '{graph.name}': unknown init scheme {name!r} in `option init`",
            hint=f"{hint + ' ' if hint else ''}known schemes: {known}",
        )
    return name


def zero_init_paths(graph, module: nn.Module) -> list[str]:
    """Paths of layers whose weight starts at zero (bn's `zero_init=true`, the zero-init residual)."""
    return [
        path
        for path, m in module.named_modules()
        if path in graph.nx
        and getattr(graph.attrs(path), "zero_init", False)
        and getattr(m, "weight", None) is not None
    ]


def initialize(module: nn.Module, graph, seed: int | None = None) -> None:
    """Fill every parameter and buffer of a freshly materialized module with the graph's scheme.

    With a seed, draws from a forked, seeded CPU generator and leaves the global RNG untouched;
    without one, draws from the global RNG as constructing torch modules does.
    """
    rules = SCHEMES[scheme_of(graph)]
    with _rng(seed), torch.no_grad():
        for path, m in module.named_modules():
            own = {name for name, _ in m.named_parameters(recurse=False)}
            own |= {name for name, _ in m.named_buffers(recurse=False)}
            applied = [r for r in rules if isinstance(m, r.module) and getattr(m, r.tensor, None) is not None]
            if own - {r.tensor for r in applied}:  # the default fills what the rules leave
                if not hasattr(m, "reset_parameters"):
                    raise CompileError(
                        f"cannot initialize '{path}': {type(m).__name__} has no reset_parameters()",
                        hint="give the module an init rule in resgraph/backend/init.py",
                    )
                m.reset_parameters()
            for rule in applied:
                getattr(nn.init, rule.fn)(getattr(m, rule.tensor), **dict(rule.kwargs))
        for path in zero_init_paths(graph, module):
            nn.init.zeros_(module.get_submodule(path).weight)


@contextlib.contextmanager
def _rng(seed: int | None) -> Iterator[None]:
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        yield


__all__ = ["DEFAULT_SCHEME", "SCHEMES", "Rule", "initialize", "scheme_of", "zero_init_paths"]
