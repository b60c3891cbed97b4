"""Weight initialization schemes, named after the conventions of torchvision's reference models.

A scheme is PyTorch's default init (each op's `OpDef.init`: its module's `reset_parameters`, or
for conv, linear and bn the same rule restated in ir/ops/init_rules.py) followed by a few rules
that override it, so that a scheme says only what it changes; the default is skipped for a layer
whose every tensor a rule overwrites (a bias-free conv under He init halves a resnet152's init time). Written as data, the same rules drive the compiled module (`initialize`)
and the standalone Python file (`codegen.py`). A spec picks one with `option init = "..."` (the
names live in ir/options.py, where the checker validates them); the bn op's `zero_init=true` is
applied after any scheme.

The defaults draw from the compile's own `torch.Generator` when it has a seed, so that the same
seed gives the same weights in any thread and the caller's random streams are left alone.
"""

from __future__ import annotations

import inspect
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

    Layers are visited in module-tree order; the one at each IR node's path gets its op's
    `OpDef.init` (unless the scheme's rules overwrite its every tensor), then the rules; a tensor an
    op holds at its own path gets the op's `init_held` when its namespace is visited. With a
    seed, draws from a generator of its own and never touches the global RNG; without one, draws
    from the global RNG exactly as PyTorch's `reset_parameters()` would.
    """
    rules = SCHEMES[scheme_of(graph)]
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for path, m in module.named_modules():
            applied = [r for r in rules if isinstance(m, r.module) and getattr(m, r.tensor, None) is not None]
            if path in graph.nx:
                held = {name for name, _ in m.named_parameters()} | {name for name, _ in m.named_buffers()}
                if held - {r.tensor for r in applied}:  # the default fills what the rules leave
                    _default(graph, path, m, gen)
            for rule in applied:
                fn = getattr(nn.init, rule.fn)
                extra = {"generator": gen} if _draws(fn) else {}
                fn(getattr(m, rule.tensor), **dict(rule.kwargs), **extra)
            for held, tensor in held_tensors(graph, path, m):
                fn_name, kwargs = held_init(graph, held)
                fn = getattr(nn.init, fn_name)
                fn(tensor, **kwargs, **({"generator": gen} if _draws(fn) else {}))
        for path in zero_init_paths(graph, module):
            nn.init.zeros_(module.get_submodule(path).weight)


def held_tensors(graph, path: str, m: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """The tensors that ops hold directly on the namespace `m` at `path` (`EmitterProtocol.parameter`),
    each with its IR node's path, in registration order."""
    found = []
    for name, t in [*m._parameters.items(), *m._buffers.items()]:
        node = f"{path}.{name}" if path else name
        if t is not None and node in graph.nx:
            found.append((node, t))
    return found


def held_init(graph, path: str) -> tuple[str, dict[str, Any]]:
    """The `nn.init` call (function name, keywords) that fills the tensor held at `path`."""
    opdef = graph.opdef(path)
    try:
        fn, kwargs = opdef.init_held(graph.attrs(path))
    except NotImplementedError:
        raise CompileError(
            f"cannot initialize '{path}': op '{opdef.name}' holds a tensor at its path but has no init_held",
            graph.span(path),
            hint=f"give the OpDef of '{opdef.name}' an `init_held(attrs)` method returning an nn.init "
                 f"function's name and keywords, e.g. (\"constant_\", {{\"val\": 1.0}})",
        ) from None
    if not callable(getattr(nn.init, fn, None)):
        raise CompileError(f"cannot initialize '{path}': op '{opdef.name}' asks for nn.init.{fn}, which torch lacks",
                           graph.span(path), hint="name a function of torch.nn.init, such as \"constant_\"")
    return fn, dict(kwargs)


def _default(graph, path: str, m: nn.Module, gen: Generator) -> None:
    opdef = graph.opdef(path)
    try:
        opdef.init(m, gen)
    except NotImplementedError:
        raise CompileError(
            f"cannot initialize '{path}': op '{opdef.name}' makes a {type(m).__name__}, which holds "
            f"tensors but has no reset_parameters() and the op no init rule",
            graph.span(path),
            hint=f"give the OpDef of '{opdef.name}' an `init(module, generator)` method "
                 f"(see resgraph/ir/ops/init_rules.py)",
        ) from None


@cache
def _draws(fn: Callable) -> bool:
    """Whether an nn.init function draws random numbers (it then takes `generator=`)."""
    return "generator" in inspect.signature(fn).parameters


__all__ = ["DEFAULT_SCHEME", "SCHEMES", "Rule", "held_init", "held_tensors", "initialize", "scheme_of",
           "zero_init_paths"]
