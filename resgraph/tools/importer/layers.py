"""The traced graph as layers of registry ops: each call that computes a tensor from the input
becomes one op (its registry entry reads the call), the rest is folded away.

What is folded: sizes, shapes and assertions (`x.shape`, `_assert(x.ndim == 4)`) are the numbers
the example input gave; parameters read by a function (`F.batch_norm(x, self.running_mean, ...)`)
are `Held` arguments of that call; a permute to channels last and back only changes where the
channels are (ConvNeXt's MLP), which the op that reads the value is told; ops that pass their
input through (nn.Identity) vanish. Everything else must be read by an op, or it is an error that
names the call and its module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn

from ...errors import ConversionError
from ...ir.ops import get as get_op
from ...ir.ops.base import Attrs
from ...ir.ops.imports import Held, Imported, NotImportable, Operand, TorchCall, module_key
from .readers import Readers
from .trace import Trace

# torch.Tensor methods and torch functions that only reshape a held parameter (timm's
# `self.gamma.reshape(1, -1, 1, 1)`): the result still stands for the parameter.
_VIEWS = frozenset({"reshape", "view", "unsqueeze", "squeeze", "expand", "expand_as", "contiguous", "flatten"})
_TO_LAST, _TO_FIRST = (0, 2, 3, 1), (0, 3, 1, 2)
PLUGINS_HINT = "docs/plugins.md"


@dataclass
class Layer:
    """One op of the imported graph."""

    index: int
    op: str  # registry name
    attrs: Attrs
    operands: list[int]  # indices of earlier layers (0: the input)
    scope: tuple[str, ...]  # the module calls it is made in, outermost first (their fx stack keys)
    path: str | None = None  # where its tensors live (their state_dict prefix); None: it holds none
    module: str | None = None  # a stateless module's path (`maxpool`), so the spec can keep its name
    where: str = ""  # what it was in torch, for messages

    @property
    def stateful(self) -> bool:
        return self.path is not None


@dataclass
class Layers:
    """The imported graph: layers in trace order (0 is the input), the output, and the module
    calls the layers were made in (fx stack key → (module path, class))."""

    layers: list[Layer]
    output: int
    calls: dict[str, tuple[str, type]] = field(default_factory=dict)
    root: nn.Module | None = None
    warnings: list[str] = field(default_factory=list)
    # module paths that are containers, never blocks: a resgraph module's groups and repetitions
    # (its IR says which of its submodules are block instances)
    containers: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Flow:
    """A traced value computed from the input: layer `index`'s, as a tensor of `shape` (a permuted
    value is the same layer with its channels last)."""

    index: int
    shape: tuple[int, ...]
    channels_last: bool = False


def to_layers(tr: Trace, readers: Readers) -> Layers:
    return _Converter(tr, readers).run()


class _Converter:
    def __init__(self, tr: Trace, readers: Readers) -> None:
        self.tr, self.readers = tr, readers
        self.env: dict[fx.Node, Any] = {}
        self.layers: list[Layer] = []
        self.calls: dict[str, tuple[str, type]] = {}
        self.claimed: dict[str, str] = {}  # state path → the call that used it
        self.warnings: list[str] = []
        self.modules = dict(tr.root.named_modules())
        self.operand_layer: dict[int, int] = {}  # id of an Operand handed to a reader → its layer

    def run(self) -> Layers:
        output = None
        for n in self.tr.graph.nodes:
            if n.op == "output":
                output = self._output(n)
            else:
                self.env[n] = self._node(n)
        return Layers(self.layers, output, self.calls, self.tr.root, self.warnings, _containers(self.tr.root))

    # -- nodes -----------------------------------------------------------------------------------
    def _node(self, n: fx.Node) -> Any:
        value = self.tr.values.get(n)
        if n.op == "placeholder":
            if self.layers:
                return value  # a further argument: its default, a constant
            if not isinstance(value, torch.Tensor):
                raise ConversionError(f"the model's first argument '{n.target}' is not a tensor")
            self.layers.append(Layer(0, "input", get_op("input").bind([tuple(value.shape[1:])], {}), [], ()))
            return _Flow(0, tuple(value.shape))
        if n.op == "get_attr":
            if isinstance(value, torch.Tensor):
                owner, _, _ = n.target.rpartition(".")
                return Held(n.target, value, self.modules.get(owner, self.tr.root))
            return value
        args, kwargs = self._resolve(n.args), self._resolve(n.kwargs)
        flows = [a for a in _walk((args, kwargs)) if isinstance(a, _Flow)]
        if not flows:
            return self._constant(n, args, value)
        if not isinstance(value, torch.Tensor):
            if any(isinstance(v, torch.Tensor) for v in _walk(value)):
                raise self._unmappable(n, "it returns several tensors (an op of resgraph returns one)")
            return value  # a size or shape of the example input, as a number
        if self._method(n) == "permute" or n.target is torch.permute:
            return self._permute(n, args, flows)
        return self._call(n, args, kwargs, value)

    def _constant(self, n: fx.Node, args: Any, value: Any) -> Any:
        """A call that does not read the input: a view of a held parameter stays that parameter;
        anything else is the value it computed."""
        held = [a for a in _walk(args) if isinstance(a, Held)]
        if isinstance(value, torch.Tensor) and len(held) == 1 and self._method(n) in _VIEWS:
            return Held(held[0].path, value, held[0].owner)
        return value

    def _permute(self, n: fx.Node, args: Any, flows: list[_Flow]) -> _Flow:
        dims = tuple(args[1]) if len(args) == 2 and isinstance(args[1], (list, tuple)) else tuple(args[1:])
        (x,) = flows
        dims = tuple(d % 4 for d in dims) if len(dims) == 4 else dims
        if dims == (_TO_FIRST if x.channels_last else _TO_LAST) and len(x.shape) == 4:
            return _Flow(x.index, tuple(x.shape[d] for d in dims), not x.channels_last)
        raise self._unmappable(n, f"permute{dims} is neither to channels last (0, 2, 3, 1) nor back (0, 3, 1, 2)")

    def _call(self, n: fx.Node, args: Any, kwargs: Any, value: torch.Tensor) -> _Flow:
        inside = _autograd_function(n)
        if inside is not None:
            path = self._describe(n).partition(" in ")[2] or "the model's forward"
            raise ConversionError(
                f"cannot import a custom autograd function (its forward at {inside}) in {path}: "
                "its backward is its own, which no op of a spec has",
                hint="mark the module that calls it opaque (--opaque PATH) and register an op that imports "
                     f"its class ({PLUGINS_HINT})")
        target, candidates = self._target(n)
        flows = [a for a in _walk((args, kwargs)) if isinstance(a, _Flow)]
        self.operand_layer.clear()
        call = TorchCall(target, tuple(self._operand(a) for a in args),
                         {k: self._operand(v) for k, v in kwargs.items()},
                         Operand(tuple(value.shape), flows[0].channels_last))
        reasons = []
        for opdef, reader in candidates:
            try:
                found = reader(call)
            except NotImportable as exc:
                reasons.append(f"{opdef.name}: {exc.reason}")
                continue
            if found is None:
                continue
            attrs, path = (found.attrs, found.path) if isinstance(found, Imported) else (found, None)
            try:
                bound = opdef.bind([], attrs)
            except Exception as exc:  # noqa: BLE001 - a value outside the op's bounds
                reasons.append(f"{opdef.name}: {getattr(exc, 'message', exc)}")
                continue
            return self._add(n, opdef, bound, call, flows, path, tuple(value.shape))
        raise self._unmappable(n, "; ".join(reasons) if reasons else None)

    def _add(self, n: fx.Node, opdef, attrs: Attrs, call: TorchCall, flows: list[_Flow], path: str | None,
             shape: tuple[int, ...]) -> _Flow:
        indices = [self.operand_layer[id(o)] for o in call.operands]
        if opdef.passes_through:
            return flows[0]
        scope = self._scope(n)
        module = None
        if n.op == "call_module":
            m = self.modules[n.target]
            if m.state_dict():
                path = n.target
            else:
                module = n.target
        if path is not None:
            if path in self.claimed:
                raise ConversionError(
                    f"{path} is used twice (by {self.claimed[path]} and {self._describe(n)}): its weights are shared",
                    hint="a layer of a spec holds its own weights; give each use its own module")
            self.claimed[path] = self._describe(n)
            scope = _within(scope, path, self.calls)
        layer = Layer(len(self.layers), opdef.name, attrs, indices, scope, path, module, self._describe(n))
        self.layers.append(layer)
        return _Flow(layer.index, shape, flows[0].channels_last)

    def _output(self, n: fx.Node) -> int:
        found = [a for a in _walk(self._resolve(n.args)) if isinstance(a, _Flow)]
        if len(found) != 1:
            raise ConversionError(f"the model returns {len(found)} tensors; a spec has one output",
                                  hint="wrap the model so that its forward returns one tensor")
        if not isinstance(self._resolve(n.args[0]), _Flow):
            self.warnings.append("the model returns its tensor inside a container; the spec returns the tensor")
        if found[0].channels_last:
            raise ConversionError("the model returns a map with its channels last; a spec returns N, C, H, W",
                                  hint="permute it back (x.permute(0, 3, 1, 2)) in the model")
        return found[0].index

    # -- helpers ---------------------------------------------------------------------------------
    def _resolve(self, a: Any) -> Any:
        if isinstance(a, fx.Node):
            return self.env[a]
        if isinstance(a, (list, tuple)):
            return type(a)(self._resolve(x) for x in a)
        if isinstance(a, dict):
            return {k: self._resolve(v) for k, v in a.items()}
        if isinstance(a, slice):
            return slice(self._resolve(a.start), self._resolve(a.stop), self._resolve(a.step))
        return a

    def _operand(self, a: Any) -> Any:
        """A reader's view of an argument: a value from the input becomes an Operand."""
        if isinstance(a, _Flow):
            o = Operand(a.shape, a.channels_last)
            self.operand_layer[id(o)] = a.index
            return o
        if isinstance(a, (list, tuple)):
            return type(a)(self._operand(x) for x in a)
        return a

    def _target(self, n: fx.Node):
        if n.op == "call_module":
            m = self.modules[n.target]
            return m, self.readers.for_module(type(m))
        if n.op == "call_method":
            fn = getattr(torch.Tensor, n.target, None)
            return fn, self.readers.for_target(fn) if fn is not None else []
        return n.target, self.readers.for_target(n.target)

    @staticmethod
    def _method(n: fx.Node) -> str | None:
        if n.op == "call_method":
            return n.target
        return getattr(n.target, "__name__", None) if n.op == "call_function" else None

    def _scope(self, n: fx.Node) -> tuple[str, ...]:
        stack = n.meta.get("nn_module_stack") or {}
        keys = []
        for key, (path, cls) in stack.items():
            if n.op == "call_module" and path == n.target:
                continue  # the leaf module itself
            self.calls.setdefault(key, (path, cls if isinstance(cls, type) else type(self.modules.get(path))))
            keys.append(key)
        return tuple(keys)

    def _describe(self, n: fx.Node) -> str:
        if n.op == "call_module":
            return f"{n.target} ({module_key(type(self.modules[n.target]))})"
        name = f"Tensor.{n.target}" if n.op == "call_method" else _function_name(n.target)
        scope = self._scope(n)
        if not scope:
            return f"{name} in the model's forward"
        path, cls = self.calls[scope[-1]]
        return f"{name} in {path} ({module_key(cls)})"

    def _unmappable(self, n: fx.Node, reason: str | None) -> ConversionError:
        what = self._describe(n)
        scope = self._scope(n)
        if n.op == "call_module":
            key = module_key(type(self.modules[n.target]))
            hint = f"register an op whose imports() reads \"{key}\" ({PLUGINS_HINT})"
        else:
            key = f"torch.Tensor.{n.target}" if n.op == "call_method" else _function_name(n.target)
            hint = f"register an op whose imports() reads {key} ({PLUGINS_HINT})"
            if scope:
                path, cls = self.calls[scope[-1]]
                hint += (f", or mark {path} opaque (opaque=[\"{path}\"], --opaque {path}) and register an "
                         f"op that imports \"{module_key(cls)}\"")
        message = f"cannot import {what}: " + (reason or "no op of the registry reads this call")
        return ConversionError(message, hint=hint)


def _containers(root: nn.Module) -> set[str]:
    """The scopes of a module resgraph compiled that are groups or repetitions, not blocks."""
    meta = getattr(root, "meta", None)
    graph = meta.get("resgraph", {}).get("graph") if isinstance(meta, dict) else None
    scopes = getattr(graph, "scopes", {})
    return {path for path, scope in scopes.items() if scope.kind != "block"}


def _autograd_function(n: fx.Node) -> str | None:
    """Where the custom autograd function a traced call was made in has its forward ("file:line"),
    or None: tracing goes through `Function.apply` into the forward, its backward unseen."""
    lines = (n.stack_trace or "").splitlines()
    for k, line in enumerate(lines):
        if "torch/autograd/function.py" in line.replace("\\", "/"):
            later = [x.strip() for x in lines[k + 1:] if x.strip().startswith("File ")]
            if later:
                where = later[0].split('"')
                return f"{where[1]}:{where[2].split(',')[1].split()[-1]}" if len(where) > 2 else later[0]
            return "an unknown place"
    return None


def _walk(value: Any):
    """Every leaf of nested lists, tuples and dicts."""
    if isinstance(value, (list, tuple)):
        for x in value:
            yield from _walk(x)
    elif isinstance(value, dict):
        for x in value.values():
            yield from _walk(x)
    elif isinstance(value, slice):
        yield from _walk((value.start, value.stop, value.step))
    else:
        yield value


def _within(scope: tuple[str, ...], path: str, calls: dict[str, tuple[str, type]]) -> tuple[str, ...]:
    """The module calls around a layer that also hold its tensors: a module that calls another's
    layer (a weight read from elsewhere) does not get to name it."""
    kept = []
    for key in scope:
        module_path = calls[key][0]
        if path != module_path and not path.startswith(module_path + ".") and module_path:
            break
        kept.append(key)
    return tuple(kept)


def _function_name(fn: Any) -> str:
    module = getattr(fn, "__module__", None) or "torch"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    if any(part.startswith("_") for part in name.split(".")[:-1]):  # torch._VariableFunctionsClass.sin
        name = name.rpartition(".")[2]
    if module.startswith("torch.nn.functional") or module == "torch._C._nn":
        module = "torch.nn.functional"
    elif module.startswith("torch._C") or module.startswith("torch._ops") or module == "torch._VariableFunctions":
        module = "torch"
    elif module == "_operator":
        module = "operator"
    return f"{module}.{name}"
