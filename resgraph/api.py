"""The public face, as glue: source → checked graph → module → optimized module. Each step lives in its own stage.

Arguments are checked here, where the caller wrote them, so that a wrong type is a UsageError
saying what is expected rather than a TypeError from deep inside a stage.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .errors import UsageError
from .ir import Graph
from .syntax.loader import load_graph, loads_graph

# The stages below the front end import torch (~1.5 s): they are imported where a call needs them,
# so that `import resgraph`, `resgraph check` and `resgraph fmt` start in a fraction of that.

SEED_RANGE = (-(1 << 63), (1 << 64) - 1)  # what torch.Generator.manual_seed takes


def load(source: str | Path, *, model: str | None = None, input_shape=None, **params: Any) -> Graph:
    """A checked Graph from a `.rg` path or a shipped spec's name (`"resnet50"`).

    `model` picks one model of a file that holds several; `input_shape` (C, H, W) overrides the
    declared input; `params` override the model's parameters (`num_classes=10`).
    """
    _expect("load", "source", source, (str, Path), "a .rg path or a zoo model name (str or Path)")
    _check_source_args("load", model, params)
    return load_graph(source, model=model, input_shape=_shape(input_shape), params=params)


def loads(text: str, *, model: str | None = None, path: str = "<string>", input_shape=None, **params: Any) -> Graph:
    """A checked Graph from `.rg` text (imports resolve relative to the current directory)."""
    _expect("loads", "text", text, str, "the .rg text as a str (decode bytes first: data.decode())")
    _expect("loads", "path", path, (str, Path), "a str or Path naming the text in messages")
    _check_source_args("loads", model, params)
    return loads_graph(text, model=model, path=str(path), input_shape=_shape(input_shape), params=params)


def compile(
    source: str | Path | Graph,
    *,
    opt_level: int = 0,
    seed: int | None = None,
    memory_efficient: bool = False,
    precision: str = "fp32",
    model: str | None = None,
    input_shape=None,
    **params: Any,
):
    """A torch.fx.GraphModule from a Graph, a `.rg` path or a shipped spec's name.

    `opt_level=0` is the faithful, trainable module; 1 adds the inference passes and 2 adds
    torch.compile where it pays (not over oneDNN on the CPU; see `resgraph.optimize`). `seed` makes
    weight initialization reproducible (in any thread, without touching torch's global RNG).
    `precision="bf16"` (with opt_level 1 or 2) computes in bfloat16 where the hardware has bf16 units.
    """
    _expect("compile", "source", source, (str, Path, Graph), "a Graph, a .rg path or a zoo model name")
    if seed is not None:
        _expect("compile", "seed", seed, int, "None or an int")
        if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            raise UsageError(f"compile: seed {seed} is out of range",
                             hint="use an int from -2**63 to 2**64 - 1 (any small number will do)")
    _expect("compile", "memory_efficient", memory_efficient, bool, "True or False")
    if isinstance(source, Graph):
        if params or model or input_shape:
            raise UsageError("parameters, model and input_shape apply to a source, not to a Graph")
        graph = source
    else:
        graph = load(source, model=model, input_shape=input_shape, **params)
    from .backend.fx import build_module

    module = build_module(graph, seed=seed)
    if opt_level or memory_efficient or precision != "fp32":
        module = optimize(module, opt_level=opt_level, memory_efficient=memory_efficient, precision=precision)
    return module


def optimize(module, opt_level: int = 1, *, memory_efficient: bool = False, explain: bool = False,
             skip=(), portable: bool = False, precision: str = "fp32"):
    """Turn an opt_level=0 module (trained or loaded with weights) into an optimized one;
    `skip` names passes of resgraph/optimization/pipeline.py not to run; `portable=True` runs only
    the passes whose result exports (ONNX, torch.export, TorchScript; see docs/export.md);
    `precision` is "fp32" or "bf16" (bfloat16 convolutions and linears where the hardware has bf16
    units, else a warning and float32)."""
    import torch.fx

    from .optimization.pipeline import optimize as run_pipeline

    if not isinstance(module, torch.fx.GraphModule):  # the passes rewrite fx graphs, traced ones too
        raise UsageError(f"optimize expects a torch.fx.GraphModule (from resgraph.compile or "
                         f"torch.fx.symbolic_trace), not {type(module).__name__}")
    _expect("optimize", "opt_level", opt_level, int, "0, 1 or 2")
    _expect("optimize", "memory_efficient", memory_efficient, bool, "True or False")
    _expect("optimize", "explain", explain, bool, "True or False")
    _expect("optimize", "portable", portable, bool, "True or False")
    if isinstance(skip, str) or not isinstance(skip, (list, tuple, set, frozenset)) \
            or not all(isinstance(s, str) for s in skip):
        raise UsageError(f"optimize: skip must be a list of pass names, got {skip!r}",
                         hint='e.g. skip=["fold_bn"]')
    _expect("optimize", "precision", precision, str, '"fp32" or "bf16"')
    return run_pipeline(module, opt_level=opt_level, memory_efficient=memory_efficient, explain=explain,
                        skip=skip, portable=portable, precision=precision)


def to_onnx(module, path: str | Path, *, example_input=None, dynamic_batch: bool = False,
            dynamo: bool = False, opset: int | None = None, verify: bool = False):
    """Write a level-0 or portable level-1 module as an ONNX file (needs the `onnx` extra); returns
    a resgraph.export.OnnxFile. See resgraph.export.to_onnx and docs/export.md."""
    from .export import to_onnx as export

    _expect("to_onnx", "path", path, (str, Path), "the .onnx file to write (str or Path)")
    for name, flag in (("dynamic_batch", dynamic_batch), ("dynamo", dynamo), ("verify", verify)):
        _expect("to_onnx", name, flag, bool, "True or False")
    if opset is not None:
        _expect("to_onnx", "opset", opset, int, "None (torch's default) or an ONNX opset number")
    return export(module, path, example_input=example_input, dynamic_batch=dynamic_batch, dynamo=dynamo,
                  opset=opset, verify=verify)


def from_module(module, example_input, *, name: str | None = None, opaque=(), drop_unused: bool = False) -> Graph:
    """The checked Graph of a PyTorch module, traced on `example_input` (one batch): its blocks,
    repetitions and skip/dense edges recovered, proved to load `module.state_dict()` strictly and
    compute the same outputs. `resgraph.to_rg(graph)` is its .rg text. See docs/import.md."""
    from .tools.importer import from_module as import_module

    return import_module(module, example_input, name=name, opaque=opaque, drop_unused=drop_unused)


def save_model(module, directory: str | Path) -> Path:
    """Write the spec (.rg with the parameter values used) and the weights (safetensors)."""
    from .backend.io import save

    return save(module, directory)


def load_model(directory: str | Path):
    """Rebuild a module saved by `save_model`, checking every tensor's name and shape."""
    from .backend.io import load

    return load(directory)


def _expect(fn: str, name: str, value: Any, types: type | tuple[type, ...], what: str) -> None:
    """A UsageError unless `value` is one of `types` (a bool is not an int here)."""
    types = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise UsageError(f"{fn}: {name} must be {what}, got {type(value).__name__} {value!r:.60}")


def _check_source_args(fn: str, model: Any, params: dict[str, Any]) -> None:
    """`model` a name; parameter values finite (an inf or nan cannot be saved with the model)."""
    if model is not None:
        _expect(fn, "model", model, str, "None or the name of a model in the file")
    for key, value in params.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"{fn}: parameter {key}={value!r} is not a finite number", hint="pass a finite number")


def _shape(input_shape: Any) -> tuple[int, ...] | None:
    """`input_shape` as a tuple of ints, such as (3, 224, 224); None keeps the declared input."""
    if input_shape is None:
        return None
    if not isinstance(input_shape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in input_shape):
        raise UsageError(f"input_shape must be a tuple of ints such as (3, 224, 224), got {input_shape!r:.60}")
    return tuple(input_shape)
