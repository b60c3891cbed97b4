"""Specs built from the registry alone: each op's examples as a tiny model, and random valid graphs.

Nothing here names an op. An op takes part through its `examples` (base.py says the convention);
the random generator uses an example wherever its shape rules accept it, at shapes other than the
[8, 16, 16] it was written for, with its numbers varied, so an op added to the registry is covered
as soon as it has examples. The checks are the ones every graph must pass: the printed text loads
back to the same graph, -O1 computes what -O0 computes, and the standalone file does too.
"""

from __future__ import annotations

import functools
import json
import random
import re
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import resgraph
from resgraph.builder import Builder, Value
from resgraph.errors import ResgraphError
from resgraph.ir import ops
from resgraph.ir.ops.base import ShapeMismatch
from resgraph.ir.types import TensorType
from resgraph.ir.verify import arity_problem
from resgraph.syntax.unparse import structural_diff

SCOPE = {"y": "x -> conv(8, 1)", "g": "x -> adaptive_avgpool(1)"}  # the values examples may name
MAX_NUMEL = 8192  # per sample, per value: the graphs stay tiny
MAX_PARAMS = 100_000  # per layer
MAX_CHANNELS = 64


def example_spec(example: str) -> str:
    """A model that applies `example` to `x` [8, 16, 16], with `y` and `g` defined if it names them."""
    lines = ["model every_op {", "    input x[8, 16, 16]"]
    lines += [f"    {name} = {chain}" for name, chain in SCOPE.items() if re.search(rf"\b{name}\b", example)]
    return "\n".join([*lines, f"    out = x -> {example}", "}", ""])


def ops_with_examples() -> list[ops.OpDef]:
    """Every registered op a graph can use (the input op makes graphs; it is not used inside one)."""
    return [op for op in ops.all_ops() if op.min_inputs > 0]


# -- an example as a list of layers, applied anywhere ------------------------------------------


@dataclass(frozen=True)
class Layer:
    name: str  # its name in the example's spec
    op: str
    attrs: dict[str, Any]  # the explicit attributes, as Python values
    inputs: tuple[str, ...]  # names in the example's spec: "x", "y", "g" or an earlier layer's


@functools.lru_cache(maxsize=None)
def example_layers(example: str) -> tuple[Layer, ...]:
    """The layers `example` adds after `x` (loaded once: the language binds the arguments)."""
    graph = resgraph.loads(example_spec(example))
    return tuple(
        Layer(n, graph.op(n), graph.attrs(n).explicit(), tuple(graph.inputs_of(n)))
        for n in graph.topo_order() if n not in ("x", *SCOPE)
    )


def _vary(value: Any, rnd: random.Random, channels: int) -> Any:
    """A nearby number (or pair): small ints, and divisors and multiples of the channel count."""
    if isinstance(value, (tuple, list)):
        return tuple(_vary(v, rnd, channels) for v in value)
    if isinstance(value, bool) or not isinstance(value, int) or rnd.random() < 0.5:
        return value
    return rnd.choice([1, 2, 3, 4, 5, 6, 7, 8, max(1, channels // 2), channels, 2 * channels, value + 1])


def _infer(opdef: ops.OpDef, attrs, inputs: list[TensorType]) -> TensorType | None:
    """The op's output type, or None where its rules (or the size limits here) refuse."""
    if arity_problem(opdef, len(inputs)):
        return None
    try:
        out = opdef.infer(attrs, inputs, [f"v{i}" for i in range(len(inputs))])
    except (ShapeMismatch, ResgraphError):
        return None
    numel = out.numel()
    if numel is None or numel > MAX_NUMEL or out.channels > MAX_CHANNELS \
            or opdef.params(attrs, inputs, out) > MAX_PARAMS:
        return None
    return out


def _plan(example: str, source: Value, pool: list[Value], rnd: random.Random, vary: bool):
    """The layers of `example` applied at `source` as (op, attrs, operand keys, key) steps, operands
    not in the example drawn from `pool`, numbers varied; checked with the ops' own rules before
    anything is added to the graph. None where the example cannot apply here."""
    types: dict[str, TensorType] = {"x": source.type}
    values: dict[str, Value] = {"x": source}
    steps = []
    for layer in example_layers(example):
        opdef = ops.get(layer.op)
        attrs = dict(layer.attrs)
        if vary:
            attrs = {k: _vary(v, rnd, types[layer.inputs[0]].channels) for k, v in attrs.items()}
        try:
            bound = opdef.bind([], attrs)
        except ResgraphError:
            return None
        keys: list[str] = []
        for name in layer.inputs:
            if name in types:
                keys.append(name)
                continue
            taken = {values[k].name for k in keys if k in values}
            choices = [v for v in pool if v.name not in taken]
            rnd.shuffle(choices)
            for v in choices:  # the first value the op accepts in this place
                accepted = [types[k] for k in keys] + [v.type]
                if len(accepted) < opdef.min_inputs or _infer(opdef, bound, accepted) is not None:
                    key = "@" + v.name  # apart from the example's own names
                    types[key], values[key] = v.type, v
                    keys.append(key)
                    break
            else:
                return None
        out = _infer(opdef, bound, [types[k] for k in keys])
        if out is None:
            return None
        types[layer.name] = out
        steps.append((layer.op, attrs, keys, layer.name))
    return steps, values


@dataclass
class Generated:
    graph: Any
    ops: Counter = field(default_factory=Counter)  # layers made, by op
    examples: list[str] = field(default_factory=list)  # the examples applied, in order


def random_graph(rnd: random.Random, *, max_steps: int = 10) -> Generated:
    """A random valid graph: a chain with branches that merges join back, examples of every op.

    Merges (ops whose operands are names) are drawn a third of the time, reading values no layer
    reads yet where they can; at the end, branches left over are merged into the output where some
    merge accepts them.
    """
    usable = [op for op in ops_with_examples() if op.examples]
    merges = [op for op in usable if op.operands == "names"] or usable
    b = Builder("random", options={"init": "torch"})
    pool = [b.input(rnd.choice([4, 8, 12, 16]), *[rnd.choice([8, 11, 16, 17])] * 2)]
    made = Generated(None)

    def apply(example: str, source: Value, candidates: list[Value], vary: bool) -> Value | None:
        planned = _plan(example, source, candidates, rnd, vary)
        if planned is None:
            return None
        steps, values = planned
        for op_name, attrs, keys, key in steps:
            values[key] = b.op(op_name, *[values[k] for k in keys], **attrs)
            made.ops[op_name] += 1
        made.examples.append(example)
        return values[steps[-1][3]]

    def unread() -> list[Value]:
        return [v for v in pool if not b.graph.users_of(v.name)]

    for _ in range(rnd.randint(1, max_steps)):
        for _attempt in range(12):
            source = pool[-1] if rnd.random() < 0.7 else rnd.choice(pool)
            op = rnd.choice(merges if rnd.random() < 0.33 else usable)
            leaves = [v for v in unread() if v is not source]
            candidates = leaves if leaves and rnd.random() < 0.7 else pool
            out = apply(rnd.choice(op.examples), source, candidates, vary=rnd.random() < 0.6)
            if out is not None:
                pool.append(out)
                break
    for leaf in unread()[:-1]:  # join the branches nothing reads into the output
        for _attempt in range(6):
            op = rnd.choice(merges)
            out = apply(rnd.choice(op.examples), pool[-1], [leaf], vary=False)
            if out is not None:
                pool.append(out)
                break
    made.graph = b.build(pool[-1])
    return made


# -- the checks every graph must pass ----------------------------------------------------------


def reload_text(graph) -> str:
    """The graph printed as .rg; it must load back to the same graph and be in canonical layout."""
    from resgraph.syntax.fmt import format_text

    text = resgraph.to_rg(graph)
    again = resgraph.loads(text)
    assert not structural_diff(graph, again), (structural_diff(graph, again), text)
    formatted = format_text(text)
    assert format_text(formatted) == formatted, text
    assert not structural_diff(graph, resgraph.loads(formatted)), formatted
    return text


def compiled(graph, seed: int = 0):
    """The -O0 module in eval mode, its batch-norm statistics made non-trivial (eval is then a real
    check of the folds), and an input batch of two."""
    import torch

    module = resgraph.compile(graph, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._NormBase) and m.track_running_stats:
            m.running_mean.uniform_(-0.5, 0.5, generator=gen)
            m.running_var.uniform_(0.5, 1.5, generator=gen)
    x = torch.randn(2, *graph.type_of(graph.inputs[0]).dims(), generator=gen)
    return module.eval(), x


# The -O1 variants compared with -O0: the whole pipeline, and without the oneDNN conversion so that
# channels_last and the dense buffers also run on plain convolutions.
VARIANTS = {"O1": (), "O1 without mkldnn_conv": ("mkldnn_conv",)}


def same_as_O0(graph, module, x) -> dict[str, Any]:
    """-O0's output and each -O1 variant's; asserts they agree and the shape is the inferred one."""
    import torch

    with torch.no_grad():
        expected = module(x)
        assert tuple(expected.shape[1:]) == graph.type_of(graph.output).dims()
        for label, skip in VARIANTS.items():
            got = resgraph.optimize(module, opt_level=1, skip=skip)(x)
            scale = max(1.0, float(expected.abs().max()))
            torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5 * scale,
                                       msg=lambda m, label=label: f"{label} vs O0: {m}")
    return expected


RUNNER = textwrap.dedent("""
    import importlib.util, json, sys
    sys.modules["resgraph"] = None  # importing resgraph (or anything under it) now fails
    import torch
    torch.set_num_threads(1)
    from safetensors.torch import load_file, save_file
    for case in json.loads(sys.argv[1]):
        spec = importlib.util.spec_from_file_location(case["module"], case["file"])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = getattr(mod, case["cls"])()
        model.load_state_dict(load_file(case["weights"]), strict=True)
        with torch.no_grad():
            out = model.eval()(load_file(case["input"])["x"])
        save_file({"out": out.contiguous()}, case["out"])
""")


def standalone_outputs(cases: dict[str, tuple[Any, Any]], directory: Path) -> dict[str, Any]:
    """Each (module, input) written with `to_python` and run, in one subprocess where resgraph
    cannot be imported, with the module's state_dict; the eval outputs by case name."""
    import os

    from safetensors.torch import load_file, save_file

    from resgraph.backend.codegen import to_python

    jobs = []
    for n, (name, (module, x)) in enumerate(cases.items()):
        stem = directory / f"case{n}"
        stem.with_suffix(".py").write_text(to_python(module))
        save_file({k: v.contiguous() for k, v in module.state_dict().items()}, f"{stem}.weights.safetensors")
        save_file({"x": x}, f"{stem}.input.safetensors")
        jobs.append({"name": name, "module": f"case{n}", "file": str(stem.with_suffix(".py")),
                     "cls": type(module).__name__, "weights": f"{stem}.weights.safetensors",
                     "input": f"{stem}.input.safetensors", "out": f"{stem}.out.safetensors"})
    env = {**os.environ, "PYTHONPATH": "", "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-I", "-c", RUNNER, json.dumps(jobs)], cwd=directory,
                         capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return {job["name"]: load_file(job["out"])["out"] for job in jobs}
