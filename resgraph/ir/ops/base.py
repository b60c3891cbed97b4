"""What an op is: one definition holds everything any stage needs to know about it.

Adding an op to resgraph means writing one `OpDef` subclass and registering it (in this package,
or from user code with `resgraph.register_op`); the language, the builder, inference, analysis,
drawing, the compiler and the standalone code writer all read it from the registry and from
nowhere else. No table elsewhere is keyed by op names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from ...errors import NameError_, Span, TypeError_, did_you_mean
from ..types import TensorType

MAX_CHANNELS = 1 << 20  # a million channels: far beyond any real layer, small enough to stay sane
MAX_KERNEL = 1 << 12


class Attrs(BaseModel):
    """Base of every op's attribute schema: immutable, strict about unknown names."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # inf cannot be saved

    def explicit(self) -> dict[str, Any]:
        """The attributes that differ from their defaults (what the printer writes)."""
        fields = type(self).model_fields
        return {k: v for k, v in self if fields[k].is_required() or fields[k].default != v}


class NoAttrs(Attrs):
    """The schema of ops without attributes (relu, add, identity, ...)."""


class ShapeMismatch(Exception):
    """Raised by a shape rule; the inference pass turns it into a ShapeError at the node's span."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class EmitterProtocol(Protocol):
    """What the back end offers an op's `emit`: add a module call or a function call to the fx graph,
    or hold a tensor (a parameter, or a buffer) at the node's own path and read it."""

    def module(self, module: Any, *args: Any) -> Any: ...

    def function(self, fn: Any, *args: Any, **kwargs: Any) -> Any: ...

    def parameter(self, shape: tuple[int, ...]) -> Any: ...

    def buffer(self, shape: tuple[int, ...]) -> Any: ...


@dataclass(frozen=True)
class EdgeStyle:
    """How an edge kind is drawn and weighed, declared by the op that owns the kind (see `OpDef.edge`)."""

    color: str  # one colour in every format
    line: str  # DOT style: "solid", "dashed", "bold", "dotted"
    width: float  # pen width
    legend: str  # legend text: "skip (add)"
    arrow: str  # Mermaid arrow: "-->", "-.->", "==>"
    strength: int  # connectivity matrix: a path's kind is its strongest edge (seq 0)
    fill: str  # fill of the merge node that owns the kind
    symbol: str = ""  # a lone merge node is drawn as a small circle holding it ("+"); "": a box


SEQ_STYLE = EdgeStyle("#555555", "solid", 1.0, "sequential", "-->", 0, "#f8f9fa")


class OpDef:
    """One operator. Subclasses set the class attributes and override the rules that apply."""

    name: ClassVar[str]
    attrs: ClassVar[type[Attrs]]
    aliases: ClassVar[tuple[str, ...]] = ()
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    summary: ClassVar[str] = ""
    # -- how it connects ------------------------------------------------------------------------
    # "chain": its one input is the value flowing in (`x -> relu`); "names": its inputs are written
    # as value names, the value flowing in first (`add(f, s)`, `f -> add(s)`).
    operands: ClassVar[Literal["chain", "names"]] = "chain"
    # The IR kind of the edges into it: "seq", or a kind of its own ("add", "concat", "mul") whose
    # drawing the op declares in `edge_style`.
    edge: ClassVar[str] = "seq"
    edge_style: ClassVar[EdgeStyle | None] = None
    weighted: ClassVar[bool] = False  # conv/linear: counted as a layer in depth, paths and MAC splits
    # Elementwise on its one input, nothing broadcast (activations, dropout): it computes the same
    # values in any layout, so the back end runs it on a channels-last value inside a run of ops
    # over channels rather than permuting back to NCHW for it (backend/permutes.py).
    pointwise: ClassVar[bool] = False
    # -- memory ---------------------------------------------------------------------------------
    # "always": the output is a view of (or is) the first input; "eval": only in eval mode
    # (dropout); None: a fresh tensor.
    view: ClassVar[Literal["always", "eval"] | None] = None
    # Computes nothing (identity): `resgraph import` leaves its torch counterparts (nn.Identity)
    # out of the spec rather than writing them down.
    passes_through: ClassVar[bool] = False
    # -- examples -------------------------------------------------------------------------------
    # Chain texts valid after `x ->`, where `x` is [8, 16, 16] and the values `y` [8, 16, 16] and
    # `g` [8, 1, 1] are in scope; each uses the op at least once. Vary the attributes (odd and even
    # kernels, strides, groups, padding ...). Only maps are given: a vector op is written after the
    # op that makes its vector (`flatten -> linear(4)`). A merge names its other operands (`add(y)`).
    # tests/ir/test_every_op.py runs each through every stage; tests/ir/random_graphs.py builds
    # random graphs from them (at other shapes too, with the numbers varied).
    examples: ClassVar[tuple[str, ...]] = ()

    # -- attributes -------------------------------------------------------------------------
    def bind(self, args: Sequence[Any], kwargs: dict[str, Any], span: Span | None = None) -> Attrs:
        """Validate call arguments (positional in schema order, then keywords) into attributes."""
        fields = list(self.attrs.model_fields)
        if len(args) > len(fields):
            raise TypeError_(
                f"{self.name}() takes at most {len(fields)} positional argument(s), got {len(args)}",
                span,
                hint=f"{self.name}({', '.join(fields)})",
            )
        values = dict(zip(fields, args))
        for key, value in kwargs.items():
            if key not in fields:
                raise NameError_(
                    f"{self.name}() has no attribute '{key}'",
                    span,
                    hint=did_you_mean(key, fields) or f"its attributes are: {', '.join(fields)}",
                )
            if key in values:
                raise TypeError_(f"{self.name}() got '{key}' twice", span)
            values[key] = value
        try:
            attrs = self.attrs(**values)
        except ValidationError as exc:
            errors = exc.errors()  # a union (int or pair) reports each branch: skip the wrong-kind ones
            err = next((e for e in errors if not e["type"].endswith("_type")), errors[0])
            field = str(err["loc"][0]) if err["loc"] else self.name
            got = values.get(str(err["loc"][0])) if err["loc"] else None
            raise TypeError_(
                f"{self.name}(): {field} = {got!r}: {err['msg'].lower()}",
                span,
                hint=f"{self.name}({', '.join(fields)})",
            ) from None
        for key, given in values.items():
            if _bool_as_number(given, getattr(attrs, key)):
                raise TypeError_(f"{self.name}(): {key} expects a number, got true or false",
                                 span, hint=f"{self.name}({', '.join(fields)})")
        return attrs

    # -- rules --------------------------------------------------------------------------------
    def infer(self, attrs: Attrs, inputs: list[TensorType], names: list[str]) -> TensorType:
        """Output type from input types; raise ShapeMismatch (names are the operands' names)."""
        return inputs[0]

    def params(self, attrs: Attrs, inputs: list[TensorType], out: TensorType) -> int:
        return 0

    def macs(self, attrs: Attrs, inputs: list[TensorType], out: TensorType) -> int | None:
        """Multiply-accumulates per sample (None when the spatial size is unknown)."""
        return 0

    def emit(self, b: EmitterProtocol, attrs: Attrs, inputs: list[Any], types: list[TensorType], out: TensorType) -> Any:
        raise NotImplementedError(f"op {self.name} has no lowering")

    def saves(self, attrs: Attrs, inputs: list[TensorType], out: TensorType) -> tuple[str, ...]:
        """What autograd keeps for backward (PyTorch's derivatives.yaml): "input", "output" (the
        float tensor), "indices" (int64 per output element), "mask" (a float per element), "stats"
        (two floats per channel), "per_sample" (`saved_per_sample` floats per sample)."""
        return ()

    def saved_per_sample(self, attrs: Attrs, inputs: list[TensorType], out: TensorType) -> int:
        """Floats per sample kept beside the tensors `saves` names, for an op whose `saves` says
        "per_sample": statistics or masks sized by neither a whole operand nor the channels
        (layer norm's mean and rstd per position, drop path's mask per sample, a product's partial
        products)."""
        raise NotImplementedError(f"op {self.name} saves \"per_sample\" but has no saved_per_sample")

    def label(self, attrs: Attrs | None) -> str:
        """The op and its key attributes as a drawing shows them, the way papers write them."""
        extra = attrs.explicit() if attrs is not None else {}
        return self.name + (" " + ", ".join(shown(v) for v in extra.values()) if extra else "")

    def init(self, module: Any, generator: Any) -> None:
        """Fill the tensors of the module `emit` made, as PyTorch's default init would, drawing
        from `generator` (a `torch.Generator`, or None for the global RNG)."""
        reset = getattr(module, "reset_parameters", None)
        if reset is None:
            if any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False)):
                raise NotImplementedError(f"op {self.name} holds tensors but has no init rule")
            return
        if generator is None:
            reset()
            return
        import torch

        seed = int(torch.randint(0, 2**62, (), generator=generator))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            reset()

    def imports(self) -> dict[Any, Any]:
        """This op's torch counterparts, for `resgraph import`: a key (an `nn.Module` class, its
        `ir.ops.imports.module_key` name for a library resgraph does not depend on, a function such
        as `torch.flatten` or `operator.add`, or a `torch.Tensor` method such as
        `torch.Tensor.mean`) → a reader of the call (`ir.ops.imports.TorchCall`) that answers with
        the op's attributes, None when the call is not this op's, or raises `NotImportable`.
        Module classes named here are traced as one call. Readers import torch when they run."""
        return {}

    def init_held(self, attrs: Attrs) -> tuple[str, dict[str, Any]]:
        """How to fill the tensor `emit` held with `b.parameter` / `b.buffer`: the name of a
        `torch.nn.init` function and its keyword arguments, `("constant_", {"val": 0.5})`. Data
        rather than code, so that standalone code writes the same call; a function that draws is
        given the compile's generator."""
        raise NotImplementedError(f"op {self.name} holds a tensor but has no init_held")


def _bool_as_number(given: Any, got: Any) -> bool:
    """Whether pydantic turned a bool into a number (`conv(true, 3)` as 1 channel).

    Comparing what was given with what was validated leaves bool-typed and int-or-bool fields alone,
    whatever their annotation says, and finds a bool inside a pair too.
    """
    if isinstance(given, bool):
        return not isinstance(got, bool)
    if isinstance(given, (list, tuple)) and isinstance(got, (list, tuple)) and len(given) == len(got):
        return any(_bool_as_number(a, b) for a, b in zip(given, got))
    return False


def shown(v: Any) -> str:
    """An attribute value as a label shows it: true, 1e-06, "nearest", [1, 2]."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(shown(x) for x in v) + "]"
    return str(v)


def pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def require_map(op: str, t: TensorType, what: str = "input") -> None:
    if len(t.spatial) != 2:
        raise ShapeMismatch(
            f"{op} expects a feature map [C, H, W] as {what}, got {t}",
            "flatten and linear make vectors; spatial ops come before them",
        )
