"""The front end's entry points: a path, a zoo name or text → a checked `Graph`.

Reads files, resolves imports (relative paths and zoo specs, cycles refused), picks the model,
elaborates it and runs the static checks. Every failure is a `ResgraphError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import zoo
from ..errors import (
    Diagnostic, ImportError_, LimitError, NameError_, ResgraphError, Source, Span, SyntaxError_,
    UsageError, did_you_mean,
)
from ..ir import Graph, ops
from ..passes.check import check
from . import ast
from .elaborate import Elaborator, Unit
from .parser import parse_expr, parse_source
from .values import Evaluator, Env


def load_graph(source: str | Path, *, model: str | None = None, input_shape=None,
               params: dict[str, Any] | None = None) -> Graph:
    """A checked Graph from a `.rg` path, `path.rg:model`, or a zoo model name (`"resnet50"`)."""
    path, model = resolve(source, model)
    unit = load_unit(path)
    return build(unit, pick_model(unit, model, path), params or {}, input_shape)


def loads_graph(text: str, *, model: str | None = None, path: str = "<string>", input_shape=None,
                params: dict[str, Any] | None = None) -> Graph:
    """A checked Graph from `.rg` text; its imports resolve relative to the current directory."""
    unit = load_unit(None, Source(path, text))
    return build(unit, pick_model(unit, model, Path(path)), params or {}, input_shape)


def parse_literal(text: str) -> Any:
    """A command-line value (`-p layers=[2,2,2,2]`): an int, float, bool, string or list.

    A bare word is taken as a string, so `-p init=kaiming_fan_out` needs no shell quoting.
    """
    stripped = text.strip()
    if stripped.isidentifier() and stripped not in ("true", "false", "none"):
        return stripped
    try:
        return Evaluator(Env())(parse_expr(stripped))
    except ResgraphError as exc:
        raise UsageError(f"'{text}' is not a value: {exc.message}",
                         hint="write ints, floats, true/false, \"strings\" or lists like [2, 2, 2, 2]") from None


def model_names(source: str | Path) -> tuple[Path, list[str]]:
    """The models a `resgraph check` of this source covers: one if named, else all in the file."""
    path, model = resolve(source, None)
    if model is not None:
        return path, [model]
    return path, list(load_unit(path).file.models)


# -- sources ---------------------------------------------------------------------------------------


def resolve(source: str | Path, model: str | None) -> tuple[Path, str | None]:
    """A path and model name from a path, `path.rg:model` or a zoo model name."""
    text = str(source)
    if not isinstance(source, Path) and ":" in text:
        head, _, tail = text.rpartition(":")
        if head.endswith(".rg") and tail.isidentifier():
            if model is not None and model != tail:
                raise UsageError(f"'{text}' names model '{tail}' but model='{model}' was given")
            text, model = head, tail
    path = Path(text)
    if path.is_file():
        return path, model
    if not isinstance(source, Path) and text.isidentifier():
        found = zoo.find_model(text)
        if found is not None:
            return found, model or text
        raise UsageError(f"no .rg file or zoo model called '{text}'",
                         hint=did_you_mean(text, zoo.model_names()) or "see `resgraph zoo` for the shipped models")
    raise UsageError(f"no such file: {text}")


def _read(path: Path, span: Span | None = None) -> Source:
    try:
        return Source(str(path), path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SyntaxError_(f"{path} is not UTF-8 text", span) from None
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror or exc}", span) from None


def load_unit(path: Path | None, source: Source | None = None) -> Unit:
    """Parse a file and, recursively, everything it imports (each file once)."""
    source = source or _read(path)
    base = path.resolve().parent if path is not None else Path.cwd()
    key = path.resolve() if path is not None else None
    return _load(source, base, key, {}, [])


def _load(source: Source, base: Path, key: Path | None, done: dict[Path, Unit], stack: list[Path]) -> Unit:
    file = parse_source(source)
    unit = Unit(source, file, sources=[source])
    if key is not None:
        stack = [*stack, key]
    for imp in file.imports:
        target = _import_path(imp, base)
        if target in stack:
            cycle = " -> ".join(p.name for p in [*stack[stack.index(target):], target])
            raise ImportError_(f"import cycle: {cycle}", imp.span, hint="move the shared blocks into a third file")
        dep = done.get(target)
        if dep is None:
            dep = _load(_read(target, imp.span), target.parent, target, done, stack)
            done[target] = dep
        for s in dep.sources:
            if all(s is not t for t in unit.sources):
                unit.sources.append(s)
        _merge(unit.blocks, dep.blocks, imp, "block")
        _merge(unit.models, dep.models, imp, "model")
    for name, bdef in file.blocks.items():
        if ops.is_op(name):
            raise NameError_(f"block '{name}' has the name of a built-in op", bdef.span,
                             hint="rename the block")
        unit.blocks[name] = (bdef, unit)
    for name, mdef in file.models.items():
        unit.models[name] = (mdef, unit)
    return unit


def _import_path(imp: ast.Import, base: Path) -> Path:
    if imp.is_path:
        target = (base / imp.target).resolve()
        if not target.is_file():
            raise ImportError_(f"cannot find '{imp.target}' (looked in {base})", imp.span)
        return target
    found = zoo.module_path(imp.target)
    if found is None:
        names = [p.stem for p in zoo.spec_files()]
        raise ImportError_(f"no zoo spec called '{imp.target}'", imp.span,
                           hint=did_you_mean(imp.target, names) or f"shipped specs: {', '.join(names) or 'none'}")
    return found.resolve()


def _merge(into: dict, new: dict, imp: ast.Import, kind: str) -> None:
    for name, entry in new.items():
        old = into.get(name)
        if old is not None and old[0] is not entry[0]:
            raise NameError_(f"{kind} '{name}' is defined by two imports", imp.span,
                             hint="import only one of the files, or rename one definition")
        into[name] = entry


def pick_model(unit: Unit, model: str | None, path: Path) -> tuple[ast.ModelDef, Unit]:
    own = unit.file.models
    if model is not None:
        if model in unit.models:
            return unit.models[model]
        raise NameError_(f"{path.name} has no model '{model}'",
                         hint=did_you_mean(model, unit.models) or _listing(unit))
    if path.stem in own:
        return unit.models[path.stem]
    if len(own) == 1:
        return unit.models[next(iter(own))]
    if not own:
        raise UsageError(f"{path.name} defines no model", hint="add one: model net { input x[3, 32, 32] ... }")
    raise UsageError(f"{path.name} defines {len(own)} models; pick one",
                     hint=f"{path.name}:{next(iter(own))} or model=\"...\"; {_listing(unit)}")


def _listing(unit: Unit) -> str:
    return "its models are: " + (", ".join(unit.models) or "none")


def build(unit: Unit, chosen: tuple[ast.ModelDef, Unit], params: dict[str, Any], input_shape) -> Graph:
    """Elaborate one model and run the static checks."""
    mdef, home = chosen
    graph = Graph(mdef.name)
    graph.doc = mdef.doc
    graph.source = home.source
    graph.sources = list(unit.sources)
    elab = Elaborator(graph)
    try:
        elab.model(mdef, home, params, input_shape)
    except LimitError as exc:
        raise LimitError(diagnostics=[*elab.errors(), *exc.diagnostics]) from None
    except RecursionError:
        raise LimitError(diagnostics=[*elab.errors(), Diagnostic(
            "error", "the spec nests too deeply", mdef.span, "flatten deeply nested expressions or blocks",
            kind=LimitError)]) from None
    errors = elab.errors()
    if errors:
        raise (errors[0].kind or ResgraphError)(diagnostics=errors)
    check(graph)
    graph.spec = (*elab.root, input_shape)  # lets Graph.to_rg() print the blocks and loops again
    return graph
