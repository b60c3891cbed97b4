"""The public face, as glue: source → graph → passes → module. Each step lives in its own stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import UsageError
from .ir import Graph


def load(source: str | Path, *, model: str | None = None, input_shape=None, **params: Any) -> Graph:
    """A checked Graph from a `.rg` path or a shipped spec's name (`"resnet50"`).

    `model` picks one model of a file that holds several; `input_shape` (C, H, W) overrides the
    declared input; `params` override the model's parameters (`num_classes=10`).
    """
    from .syntax.loader import load_graph

    return load_graph(source, model=model, input_shape=input_shape, params=params)


def loads(text: str, *, model: str | None = None, path: str = "<string>", input_shape=None, **params: Any) -> Graph:
    """A checked Graph from `.rg` text (imports resolve relative to the current directory)."""
    from .syntax.loader import loads_graph

    return loads_graph(text, model=model, path=path, input_shape=input_shape, params=params)


def compile(
    source: str | Path | Graph,
    *,
    opt_level: int = 0,
    seed: int | None = None,
    memory_efficient: bool = False,
    model: str | None = None,
    input_shape=None,
    **params: Any,
):
    """A torch.fx.GraphModule from a Graph, a `.rg` path or a shipped spec's name.

    `opt_level=0` is the faithful, trainable module; 1 adds the inference passes and 2 adds
    torch.compile where it pays (not over oneDNN on the CPU; see `resgraph.optimize`). `seed` makes weight initialization reproducible.
    """
    from .backend.fx import build_module

    if isinstance(source, Graph):
        if params or model or input_shape:
            raise UsageError("parameters, model and input_shape apply to a source, not to a Graph")
        graph = source
    else:
        graph = load(source, model=model, input_shape=input_shape, **params)
    module = build_module(graph, seed=seed)
    if opt_level or memory_efficient:
        module = optimize(module, opt_level=opt_level, memory_efficient=memory_efficient)
    return module


def optimize(module, opt_level: int = 1, *, memory_efficient: bool = False, explain: bool = False,
             skip=()):
    """Turn an opt_level=0 module (trained or loaded with weights) into an optimized one;
    `skip` names passes of resgraph/passes/pipeline.py not to run."""
    from .passes.pipeline import optimize as run_pipeline

    return run_pipeline(module, opt_level=opt_level, memory_efficient=memory_efficient, explain=explain,
                        skip=skip)


def save_model(module, directory: str | Path) -> Path:
    """Write the spec (.rg with the parameter values used) and the weights (safetensors)."""
    from .backend.io import save

    return save(module, directory)


def load_model(directory: str | Path):
    """Rebuild a module saved by `save_model`, checking every tensor's name and shape."""
    from .backend.io import load

    return load(directory)
