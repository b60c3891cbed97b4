"""The typed syntax tree of a .rg file: what the parser produces and the elaborator and printer read.

Every node carries the `Span` it was written at, so that any later stage can point at the text.
The tree is complete (docstrings, comments, parentheses of no-argument calls, argument order) so
that a formatter can print a file back in canonical layout without losing anything the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from ..errors import Span

# -- expressions --------------------------------------------------------------------------------


@dataclass
class Literal:
    """An int, float, string, `true`/`false` or `none`."""

    value: Any
    span: Span


@dataclass
class Name:
    id: str
    span: Span


@dataclass
class Template:
    """A name template `h{i}` or name range `h{1..i}`: text pieces and `{...}` holes, in order."""

    parts: list[Union[str, "Expr", "Range"]]
    span: Span

    @property
    def is_range(self) -> bool:
        return any(isinstance(p, Range) for p in self.parts)


@dataclass
class Range:
    """`start..end` (end excluded) or `start..=end` (end included)."""

    start: "Expr"
    end: "Expr"
    inclusive: bool
    span: Span


@dataclass
class ListExpr:
    items: list["Expr"]
    span: Span


@dataclass
class TupleExpr:
    items: list["Expr"]
    span: Span


@dataclass
class Unary:
    op: str  # "-", "+", "not"
    operand: "Expr"
    span: Span


@dataclass
class Binary:
    """Arithmetic, comparison and boolean operators (`and`/`or` short-circuit)."""

    op: str
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass
class Ternary:
    then: "Expr"
    cond: "Expr"
    orelse: "Expr"
    span: Span


@dataclass
class Index:
    value: "Expr"
    index: "Expr"
    span: Span


@dataclass
class Attr:
    """`x.channels`, `in.height`: the inferred size of a value in the graph."""

    value: "Expr"
    attr: str
    span: Span


@dataclass
class FuncCall:
    """`len(xs)`, `min(a, b)`, `max(a, b)`."""

    func: str
    args: list["Expr"]
    span: Span


Expr = Union[Literal, Name, Template, ListExpr, TupleExpr, Unary, Binary, Ternary, Index, Attr, FuncCall]

# -- chains -------------------------------------------------------------------------------------


@dataclass
class Keyword:
    name: str
    value: Expr
    span: Span


@dataclass
class Call:
    """`conv(64, 3, bias=false)`, `basic(64)`, `relu`, `add(f, s)` — or, first in a chain, a value."""

    name: str
    args: list[Expr]
    kwargs: list[Keyword]
    parens: bool  # written with parentheses (the printer keeps `bn` as `bn`)
    span: Span


@dataclass
class TemplateRef:
    """A value named by a template at the start of a chain: `h{i} -> relu`."""

    template: Template
    span: Span


@dataclass
class Group:
    """`[a -> b -> c]`: a sequence whose unnamed elements are named by position."""

    chain: "Chain"
    span: Span


@dataclass
class ChainIf:
    """`if cond { chain } else if cond { chain } else { chain }` inside a chain."""

    branches: list[tuple[Expr, "Chain"]]
    orelse: "Chain | None"
    span: Span


@dataclass
class Outputs:
    """`out = (res, dense)`: the several outputs of a block, named by the values it binds."""

    names: list[Name | Template]
    span: Span


@dataclass
class Element:
    """One link of a chain: optional `label:`, the item, optional `* count` and `by index`."""

    label: Name | Template | None
    item: Call | TemplateRef | Group | ChainIf
    count: Expr | None
    span: Span
    index: str | None = None  # `* n by i`: the name each round reads its number from (0, 1, ...)


@dataclass
class Chain:
    elements: list[Element]
    span: Span


# -- statements ---------------------------------------------------------------------------------


@dataclass
class Doc:
    """A docstring: the first string of a file, block or model."""

    text: str
    span: Span


@dataclass
class Let:
    name: str
    value: Expr
    span: Span


@dataclass
class Option:
    name: str
    value: Expr
    span: Span


@dataclass
class Input:
    name: str
    dims: list[Expr]  # the name `_` stands for a size not known in advance
    span: Span


@dataclass
class Bind:
    """`name = chain`, `h{i} = chain`, or `res, dense = chain` (a block's outputs, destructured)."""

    target: Name | Template
    chain: Chain | Outputs  # Outputs only as a block's `out = (res, dense)`
    span: Span
    more: list[Name | Template] = field(default_factory=list)  # the targets after the first

    @property
    def targets(self) -> list[Name | Template]:
        return [self.target, *self.more]


@dataclass
class If:
    branches: list[tuple[Expr, list["Stmt"]]]
    orelse: list["Stmt"] | None
    span: Span


@dataclass
class For:
    var: str
    iter: Range | Expr
    body: list["Stmt"]
    span: Span


Stmt = Union[Doc, Let, Option, Input, Bind, If, For]

# -- definitions --------------------------------------------------------------------------------


@dataclass
class Param:
    name: str
    type: str | None
    default: Expr | None
    span: Span


@dataclass
class BlockDef:
    name: str
    params: list[Param]
    body: list[Stmt]
    doc: str | None
    span: Span
    doc_span: Span | None = None  # where the docstring was written (the formatter keeps its text)


@dataclass
class ModelDef:
    """`model name(params) { body }`, or a derived model `model name = base(param=value)`."""

    name: str
    params: list[Param]
    body: list[Stmt]
    doc: str | None
    span: Span
    base: Call | None = None  # the derived-from model and its new parameter defaults (keywords)
    doc_span: Span | None = None


@dataclass
class Import:
    target: str
    is_path: bool  # `import "x.rg"` (a path) or `import resnet` (a zoo spec)
    span: Span


@dataclass
class Comment:
    text: str  # including the leading '#'
    span: Span


@dataclass
class File:
    items: list[Import | BlockDef | ModelDef | Doc]
    doc: str | None
    comments: list[Comment]
    span: Span
    doc_span: Span | None = None
    imports: list[Import] = field(default_factory=list)
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    models: dict[str, ModelDef] = field(default_factory=dict)
