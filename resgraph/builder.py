"""Build a resgraph.Graph from Python: the same IR, op registry and checks as the language.

    b = Builder("hybrid")
    x = b.input(3, 32, 32)
    y = x.conv(16, 3, bias=False, name="conv1").bn(name="bn1").relu()
    with b.scope("layer1"):
        y = y.add(y.conv(16, 3).bn()).relu()
    g = b.build(y.adaptive_avgpool(1).flatten().linear(10, name="fc"))

Every op in the registry is a method of `Value` (`x.conv(...)`, `x.bn()`, `x.add(y)`); a merge
takes the value it is called on as its first operand. Names may be dotted paths
(`name="layer1.0.conv1"`): every graph built here can be written as .rg with `to_rg(graph)`. Shapes are inferred as each layer is added,
so a mistake raises at once, with the span of the line in *your* Python file that made it.

A block with several inputs or outputs is a Python function over Values that makes its layers
inside `with b.scope("dpn", block="dual", c=64):` and returns a tuple (tests/test_builder_multi_io.py).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import GraphError, Source, Span, TypeError_, UsageError
from .ir import Graph, Scope, TensorType, ops
from .ir.verify import arity_problem, check
from .ir.naming import IDENTIFIER, NAME_HINT, writable

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_CONTEXTLIB = contextlib.__file__  # `with b.scope(...)` enters through contextlib's frame
_SCOPE_KINDS = ("block", "group", "repeat")


@functools.lru_cache(maxsize=64)
def _source(path: str) -> Source:
    try:
        return Source(path, Path(path).read_text())
    except OSError:
        return Source(path, "")


def caller_span() -> Span:
    """The span of the first frame outside the resgraph package: where the user called us."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE_DIR)
                                 or frame.f_code.co_filename == _CONTEXTLIB):
        frame = frame.f_back
    if frame is None:
        return Span(None, 0, 0)
    pos = inspect.getframeinfo(frame, context=0).positions
    line = pos.lineno or frame.f_lineno
    col = (pos.col_offset or 0) + 1
    end_col = (pos.end_col_offset or 0) + 1 if pos.end_lineno == line else None
    return Span(_source(frame.f_code.co_filename), line, col, pos.end_lineno, end_col)


class Value:
    """The output of a layer while a graph is being built. Ops are methods: `x.conv(64, 3)`."""

    def __init__(self, builder: "Builder", name: str):
        self.builder = builder
        self.name = name

    @property
    def type(self) -> TensorType:
        return self.builder.graph.type_of(self.name)

    @property
    def channels(self) -> int:
        return self.type.channels

    def __getattr__(self, op: str) -> Callable[..., "Value"]:
        if op.startswith("_") or not ops.is_op(op):
            raise AttributeError(op)

        def call(*args: Any, name: str | None = None, **kwargs: Any) -> Value:
            return self.builder.op(op, self, *args, name=name, **kwargs)

        return call

    def __repr__(self) -> str:
        return f"<Value {self.name} {self.builder.graph.type_of(self.name)}>"


class Builder:
    """Makes one Graph. Names are hierarchical: `scope()` pushes a namespace like a block instance."""

    def __init__(self, name: str = "model", *, doc: str | None = None, options: dict | None = None):
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            raise UsageError(f"Builder(): {name!r} cannot be a model name", caller_span(),
                             hint="letters, digits and _, not starting with a digit: tiny_resnet")
        if doc is not None and not isinstance(doc, str):
            raise UsageError(f"Builder(): doc must be a string, got {type(doc).__name__}", caller_span())
        if options is not None and not (isinstance(options, dict) and all(isinstance(k, str) for k in options)):
            raise UsageError("Builder(): options must be a dict from option names to values", caller_span(),
                             hint='Builder("m", options={"init": "kaiming"})')
        self.graph = Graph(name)
        self.graph.doc = doc
        self.graph.options = dict(options or {})
        self._prefix: list[str] = []

    # -- naming -----------------------------------------------------------------------------
    def _path(self, local: str) -> str:
        return ".".join([*self._prefix, local])

    def _fresh(self, base: str) -> str:
        """`base`, then `base_1`, `base_2`, … — the language's rule for unnamed layers."""
        candidate, k = base, 0
        while self._taken(self._path(candidate)):
            k += 1
            candidate = f"{base}_{k}"
        return candidate

    def _taken(self, path: str) -> bool:
        return path in self.graph.nx or path in self.graph.scopes

    def _place(self, path: str, span: Span) -> str:
        """Check that .rg can write `path`; a dotted name's missing namespaces become groups."""
        if not writable(path):
            raise UsageError(f"'{path}' cannot be a layer name", span, hint=NAME_HINT)
        if self._taken(path):
            raise GraphError(f"duplicate name '{path}'", span)
        parts = path.split(".")
        for k in range(1, len(parts)):
            prefix = ".".join(parts[:k])
            if prefix in self.graph.nx:
                raise GraphError(f"'{prefix}' is a layer, so '{path}' cannot live inside it", span)
            if prefix not in self.graph.scopes:
                self.graph.scopes[prefix] = Scope(prefix, "group", None, {}, span)
        return path

    @contextlib.contextmanager
    def scope(self, name: str | None = None, *, kind: str = "block", block: str | None = None, **args: Any) -> Iterator[str]:
        """Put the layers made inside under `name.` (a block instance, a group or a repetition)."""
        if kind not in _SCOPE_KINDS:
            raise UsageError(f"scope(): kind must be one of {', '.join(_SCOPE_KINDS)}, got {kind!r}", caller_span())
        if block is not None and not isinstance(block, str):
            raise UsageError(f"scope(): block must be the block's name, got {block!r}", caller_span())
        local = str(name) if name is not None else self._fresh(block or kind)
        if "." in local or not local:
            raise UsageError(f"scope name '{local}' must be one non-empty segment without dots", caller_span())
        path = self._place(self._path(local), caller_span())
        self.graph.scopes[path] = Scope(path, kind, block, dict(args), caller_span())
        self._prefix.append(local)
        try:
            yield path
        finally:
            self._prefix.pop()

    # -- layers -----------------------------------------------------------------------------
    def input(self, *shape: int | None, name: str = "x") -> Value:
        """The model input: `b.input(3, 32, 32)` for images, `b.input(64)` for vectors."""
        return self._make("input", [], name, (), {"shape": tuple(shape)})

    def op(self, op: str, *args: Any, name: str | None = None, **kwargs: Any) -> Value:
        """Any registry op. Leading Value arguments are the operands; the rest are attributes."""
        if not isinstance(op, str):
            raise UsageError(f"op(): the op is named by a string, got {op!r}", caller_span(), hint='b.op("conv", x, 64, 3)')
        operands = []
        rest = list(args)
        while rest and isinstance(rest[0], Value):
            operands.append(rest.pop(0))
        if any(isinstance(a, Value) for a in rest):
            raise UsageError(f"{op}(): operands must come before attributes", caller_span())
        return self._make(op, operands, name, rest, kwargs)

    def add(self, *values: Value, name: str | None = None) -> Value:
        """The residual edge: elementwise sum of equal shapes."""
        return self.op("add", *values, name=name)

    def concat(self, *values: Value, name: str | None = None) -> Value:
        """The dense edge: concatenation along channels."""
        return self.op("concat", *values, name=name)

    def mul(self, *values: Value, name: str | None = None) -> Value:
        """The gate edge: elementwise product, [C, 1, 1] and [1, H, W] operands broadcast."""
        return self.op("mul", *values, name=name)

    def _make(self, op: str, operands: list[Value], name: str | None, args, kwargs) -> Value:
        span = caller_span()
        opdef = ops.get(op, span)
        attrs = opdef.bind(args, kwargs, span)
        for v in operands:
            if v.builder is not self:
                raise UsageError(f"'{v.name}' belongs to another Builder", span)
        problem = arity_problem(opdef, len(operands))
        if problem:  # before the node exists: its shape rule would index missing operands
            raise TypeError_(problem, span)
        path = self._place(self._path(str(name) if name is not None else self._fresh(opdef.name)), span)
        self.graph.add_node(path, opdef.name, attrs, [v.name for v in operands], span)
        self.graph.infer(path)
        return Value(self, path)

    # -- result -----------------------------------------------------------------------------
    def build(self, output: Value) -> Graph:
        """Check the whole graph (every independent error at once) and return it."""
        if not isinstance(output, Value) or output.builder is not self:
            what = "a Value of another Builder" if isinstance(output, Value) else type(output).__name__
            raise UsageError(f"build() takes the output Value of this Builder, got {what}", caller_span())
        self.graph.set_output(output.name)
        self.graph.source = caller_span().source
        check(self.graph)
        return self.graph


def block(fn: Callable[..., Value]) -> Callable[..., Value]:
    """Make a Python function a block: each call is a named instance, like a block in a .rg file.

        @block
        def basic(x, c, stride=1): ...
        y = basic(x, 64, name="layer1")    # layers inside are layer1.conv1, layer1.bn1, ...
    """
    if not callable(fn):
        raise UsageError(f"@block decorates a function, got {type(fn).__name__}", caller_span())
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature
        raise UsageError(f"@block cannot read the parameters of {fn!r}", caller_span()) from None

    @functools.wraps(fn)
    def instantiate(x: Value, *args: Any, name: str | None = None, **kwargs: Any) -> Value:
        if not isinstance(x, Value):
            raise UsageError(f"{fn.__name__}(): the first argument is the block's input Value, "
                             f"got {type(x).__name__}", caller_span())
        try:
            bound = signature.bind(x, *args, **kwargs)
        except TypeError as exc:
            raise UsageError(f"{fn.__name__}(): {exc}", caller_span()) from None
        bound.apply_defaults()
        params = {k: v for k, v in list(bound.arguments.items())[1:]}
        with x.builder.scope(name, kind="block", block=fn.__name__, **params):
            return fn(*bound.args, **bound.kwargs)

    return instantiate


__all__ = ["Builder", "Value", "block", "caller_span"]
