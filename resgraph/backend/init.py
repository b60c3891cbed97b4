"""Weight initialization schemes, named after the conventions of torchvision's reference models.

A scheme is PyTorch's default init (every layer type's `reset_parameters`, restated in `DEFAULTS`)
followed by a few rules that override it, so that a scheme says only what it changes; the default
is skipped for a layer whose every tensor a rule overwrites (a bias-free conv under He init halves
a resnet152's init time). Written as data, the same rules drive the compiled module (`initialize`)
and the standalone Python file (`codegen.py`). A spec picks one with `option init = "..."` (the
names live in ir/options.py, where the checker validates them); the bn op's `zero_init=true` is
applied after any scheme.

The defaults are restated rather than called because `reset_parameters()` draws from the global
RNG: a seeded compile draws from its own `torch.Generator` instead, so that the same seed gives the
same weights in any thread and the caller's random streams are left alone.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import torch
from torch import nn

from ..errors import CompileError
from ..ir.options import DEFAULT_INIT, option_problem


@dataclass(frozen=True)
class Rule:
    """`torch.nn.init.<fn>(m.<tensor>, **kwargs)` for every module `m` of type `module`."""

    module: type[nn.Module]
    tensor: str
    fn: str
    kwargs: tuple[tuple[str, Any], ...] = ()


SCHEMES: dict[str, tuple[Rule, ...]] = {  # one per name in ir/options.py's INIT_SCHEMES
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
DEFAULT_SCHEME = DEFAULT_INIT

Generator = torch.Generator | None  # None: the global RNG, as constructing torch modules draws


def _weighted_default(m: nn.Conv2d | nn.Linear, gen: Generator) -> None:
    """`Conv2d`/`Linear.reset_parameters`: weight kaiming_uniform_(a=sqrt(5)), bias U(±1/sqrt(fan_in))."""
    nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
    if m.bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(m.bias, -bound, bound, generator=gen)


def _norm_default(m: nn.modules.batchnorm._BatchNorm, gen: Generator) -> None:
    """`BatchNorm*d.reset_parameters`: running mean 0, variance 1, no batches seen; weight 1, bias 0."""
    if m.track_running_stats:
        m.running_mean.zero_()
        m.running_var.fill_(1)
        m.num_batches_tracked.zero_()
    if m.affine:
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


# Every module type the ops emit (resgraph/ir/ops) that holds tensors; the others hold none.
DEFAULTS: dict[type[nn.Module], Callable[[Any, Generator], None]] = {
    nn.Conv2d: _weighted_default,
    nn.Linear: _weighted_default,
    nn.BatchNorm1d: _norm_default,
    nn.BatchNorm2d: _norm_default,
}


def scheme_of(graph) -> str:
    """The scheme a graph asks for (`option init`), checked against the known ones."""
    name = graph.options.get("init", DEFAULT_SCHEME)
    problem = option_problem(graph.name, "init", name)
    if problem:
        raise CompileError(problem[0], hint=problem[1])
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
    """Fill every parameter and buffer of a freshly materialized (CPU) module with the graph's scheme.

    With a seed, draws from a generator of its own and never touches the global RNG; without one,
    draws from the global RNG exactly as PyTorch's `reset_parameters()` would.
    """
    rules = SCHEMES[scheme_of(graph)]
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for path, m in module.named_modules():
            own = {name for name, _ in m.named_parameters(recurse=False)}
            own |= {name for name, _ in m.named_buffers(recurse=False)}
            applied = [r for r in rules if isinstance(m, r.module) and getattr(m, r.tensor, None) is not None]
            if own - {r.tensor for r in applied}:  # the default fills what the rules leave
                default = DEFAULTS.get(type(m))
                if default is None and path in graph.nx:  # a type the table lacks: the op's own rule
                    default = graph.opdef(path).init
                if default is None:
                    raise CompileError(
                        f"cannot initialize '{path}': {type(m).__name__} has no default init rule",
                        hint="give the module type a rule in DEFAULTS in resgraph/backend/init.py",
                    )
                default(m, gen)
            for rule in applied:
                fn = getattr(nn.init, rule.fn)
                extra = {"generator": gen} if _draws(fn) else {}
                fn(getattr(m, rule.tensor), **dict(rule.kwargs), **extra)
        for path in zero_init_paths(graph, module):
            nn.init.zeros_(module.get_submodule(path).weight)


@cache
def _draws(fn: Callable) -> bool:
    """Whether an nn.init function draws random numbers (it then takes `generator=`)."""
    return "generator" in inspect.signature(fn).parameters


__all__ = ["DEFAULTS", "DEFAULT_SCHEME", "SCHEMES", "Rule", "initialize", "scheme_of", "zero_init_paths"]
