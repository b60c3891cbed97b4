"""A body of a spec (a model's, a block's) written from the parts of a region: chains of layers,
merges that name their operands, groups, block instances, optional parts as conditionals.

A body is written from a template region with values taken from another region aligned to it
(`sources`): that is how each instance of a block is written in the block's shape, so that the
instances' texts differ only in literals (the block's parameters) — a part the instance lacks
is written with `DONT_CARE` values and its condition `false`. Every attribute is written in full,
as a keyword; `finish.shorten` later keeps what differs from the defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Union

from ...errors import UNKNOWN_SPAN, ConversionError
from ...ir.naming import NAME_HINT, RESERVED_WORDS, writable
from ...ir.ops import get as get_op, is_op
from ...syntax import ast
from .layers import Layer
from .loops import loops
from .regions import Region, group_positions, items_of, relative

Part = Union[Layer, Region]
S = UNKNOWN_SPAN


class _DontCare:
    """The value of a part an instance does not have: it may take any value."""

    def __repr__(self) -> str:
        return "DONT_CARE"


DONT_CARE = _DontCare()


@dataclass
class Context:
    """What bodies read of the blocks already made: each block region's block name and its
    arguments (parameter → value, in the block's order), and how often each module is called."""

    block_of: dict[Region, str] = field(default_factory=dict)
    args_of: dict[Region, dict[str, Any]] = field(default_factory=dict)
    module_uses: dict[str, int] = field(default_factory=dict)


def reads(p: Part) -> list[int]:
    return p.operands if isinstance(p, Layer) else p.inputs


def gives(p: Part) -> list[int]:
    return [p.index] if isinstance(p, Layer) else p.outputs


def is_merge(p: Part) -> bool:
    """A layer whose operands are written as names (`add(f, s)`), not taken from the chain."""
    return isinstance(p, Layer) and get_op(p.op).operands == "names"


@dataclass
class Optional_:
    """A part of the template some instances lack; they pass operand `through` on instead."""

    through: int = 0


class BodyWriter:
    """Writes the statements of one namespace (the model, or one block instance)."""

    def __init__(self, ctx: Context, template: Region, inputs: list[str], sources: dict | None = None,
                 optional: dict[int, Optional_] | None = None, group: bool = False) -> None:
        self.ctx, self.region, self.group = ctx, template, group
        self.items = items_of(template)
        self.sources = sources  # template part (by id) → the instance's part, or None: it lacks it
        self.optional = optional or {}
        self.names: dict[int, str] = dict(zip(template.inputs, inputs))
        self.labels = self._labels()
        self.taken = {lab.split(".")[0] for lab in self.labels.values() if lab} | set(inputs) | RESERVED_WORDS
        self.counter = 0

    # -- values ----------------------------------------------------------------------------------
    def source(self, p: Part) -> Part | None:
        return p if self.sources is None else self.sources.get(id(p))

    def present(self, p: Part) -> bool:
        return self.source(p) is not None

    # -- labels ----------------------------------------------------------------------------------
    def _labels(self) -> dict[int, str | None]:
        """Each part's label: its tensors' path or its region's, relative to the namespace; a
        stateless module's path where that cannot clash with a name the spec makes up."""
        ns = self.region.path
        labels: dict[int, str | None] = {}
        for p in self.items:
            if isinstance(p, Region):
                labels[id(p)] = None if p.repeated else relative(ns, p.path)
            elif p.stateful:
                label = relative(ns, p.path)
                numbered = self.group and label is not None and label.split(".")[0].isdigit()
                if label is None or not (numbered or writable(label)):
                    raise ConversionError(f"the layer {p.path} ({p.where}) cannot be named in .rg", hint=(
                        "a model's layers are named by attributes (a spec's names start with a letter): "
                        "wrap a numbered nn.Sequential in a module, self.net = nn.Sequential(...)"
                        if label is not None and label[:1].isdigit() else NAME_HINT))
                labels[id(p)] = label
            else:
                labels[id(p)] = None
        fixed = [lab for lab in labels.values() if lab]
        blocks = {self.ctx.block_of.get(p, "") for p in self.items if isinstance(p, Region) and labels[id(p)] is None}
        for p in self.items:
            if isinstance(p, Layer) and not p.stateful and p.module and self.ctx.module_uses.get(p.module) == 1:
                label = relative(ns, p.module)
                if label is None or label == get_op(p.op).name:
                    continue  # the name it gets anyway
                auto = blocks | {get_op(q.op).name for q in self.items
                                 if isinstance(q, Layer) and q is not p and labels[id(q)] is None}
                numbered = self.group and label.split(".")[0].isdigit()
                if (numbered or writable(label)) and not _clashes(label, fixed, auto):
                    labels[id(p)] = label
                    fixed.append(label)
        return labels

    def fresh(self) -> str:
        while True:
            self.counter += 1
            name = f"h{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    # -- statements ------------------------------------------------------------------------------
    def statements(self) -> list:
        """The body: one statement per run of parts that feed each other one by one, the
        region's output bound to `out` (several: to names, then `out = (a, b)`), counted runs
        of statements as loops."""
        region = self.region
        users: dict[int, int] = {}
        for p in self.items:
            for u in reads(p):
                users[u] = users.get(u, 0) + 1
        ends = set(region.outputs)
        runs: list[list[Part]] = []
        for p in self.items:
            if runs and self._continues(runs[-1][-1], p, users, ends):
                runs[-1].append(p)
            else:
                runs.append([p])
        single = len(region.outputs) == 1
        out: list = []
        for run in runs:
            targets = []
            for o in gives(run[-1]):
                name = "out" if single and o == region.outputs[0] else self.fresh()
                self.names[o] = name
                targets.append(name)
            out.append(self._bind(targets, self._chain(run)))
        if single and region.outputs[0] in region.inputs:  # the body passes its input on
            out.append(self._bind(["out"], [self._ref(region.outputs[0])]))
        if not single:
            out.append(ast.Bind(ast.Name("out", S), ast.Outputs([ast.Name(self.names[o], S) for o in region.outputs], S), S))
        return loops(out, self.taken)

    def _continues(self, prev: Part, p: Part, users: dict[int, int], ends: set[int]) -> bool:
        out = gives(prev)
        if len(out) != 1 or users.get(out[0], 0) != 1 or out[0] in ends:
            return False
        if not reads(p) or reads(p)[0] != out[0]:
            return False
        for q in (prev, p):
            opt = self.optional.get(id(q))
            if opt is not None and is_merge(q) and opt.through != 0:
                return False  # written as its own statement: `v = if flag { add(a, b) } else { b }`
        return True

    def _bind(self, targets: list[str], elements: list) -> ast.Bind:
        return ast.Bind(ast.Name(targets[0], S), ast.Chain(elements, S), S, [ast.Name(t, S) for t in targets[1:]])

    def _ref(self, index: int) -> ast.Element:
        return ast.Element(None, ast.Call(self.names[index], [], [], False, S), None, S)

    def _chain(self, run: list[Part]) -> list:
        first = run[0]
        opt = self.optional.get(id(first))
        if is_merge(first) and opt is not None and opt.through != 0:
            merge = self._labeled(first, self._merge_call(first, 0))
            branch = ast.ChainIf([(self._flag(first), ast.Chain([merge], S))],
                                 ast.Chain([self._ref(reads(first)[opt.through])], S), S)
            return [ast.Element(None, branch, None, S)]
        elements = []
        if is_merge(first):
            elements.append(self._element(first, start=True))
        else:
            elements.append(self._ref(reads(first)[0]))
            elements.append(self._element(first))
        elements += [self._element(p) for p in run[1:]]
        return elements

    def _flag(self, p: Part):
        return ast.Literal(self.present(p), S)

    def _element(self, p: Part, start: bool = False) -> ast.Element:
        item = self._merge_call(p, 0 if start else 1) if is_merge(p) else self._item(p)
        element = self._labeled(p, item)
        if id(p) in self.optional:
            element = ast.Element(None, ast.ChainIf([(self._flag(p), ast.Chain([element], S))], None, S), None, S)
        return element

    def _labeled(self, p: Part, item) -> ast.Element:
        label = self.labels[id(p)]
        if isinstance(item, ast.Group):
            return group_element(label, item)
        return ast.Element(ast.Name(label, S) if label else None, item, None, S)

    def _merge_call(self, p: Layer, skip: int) -> ast.Call:
        return ast.Call(get_op(p.op).name, [ast.Name(self.names[u], S) for u in reads(p)[skip:]], [], True, S)

    def _item(self, p: Part):
        """The chain item of a part, with the values of the instance's part (DONT_CARE where it
        has none): a layer's op call, a block's call, a group."""
        src = self.source(p)
        if isinstance(p, Layer):
            return op_call(p if src is None else src, dont_care=src is None)
        if p.kind == "block":
            block = self.ctx.block_of[p if src is None else src]
            args = self.ctx.args_of[p if src is None else src]
            tensors = [ast.Name(self.names[u], S) for u in reads(p)[1:]]
            values = [ast.Keyword(k, ast.Literal(DONT_CARE if src is None else v, S), S) for k, v in args.items()]
            return ast.Call(block, tensors, values, True, S)
        return group_item(self.ctx, p if src is None else src, dont_care=src is None)


def op_call(layer: Layer, dont_care: bool = False) -> ast.Call:
    """`conv(out_channels=64, kernel=3, ...)`: every attribute, by keyword."""
    attrs = layer.attrs
    kwargs = [ast.Keyword(k, ast.Literal(DONT_CARE if dont_care else getattr(attrs, k), S), S)
              for k in type(attrs).model_fields]
    return ast.Call(get_op(layer.op).name, [], kwargs, True, S)


def group_item(ctx: Context, region: Region, dont_care: bool = False) -> ast.Group:
    """A chain region as `[a -> b -> c]`: numbered children unlabeled at their positions (gaps
    filled with `identity`), named ones labeled; runs of equal elements as `element * n`."""
    writer = BodyWriter(ctx, region, ["in"], group=True)
    elements: list[ast.Element] = []
    for p, position in zip(writer.items, group_positions(region)):
        while len(elements) < position:
            elements.append(ast.Element(None, ast.Call("identity", [], [], False, S), None, S))
        label = writer.labels[id(p)]
        if label is not None and label.split(".")[0].isdigit():
            if label != str(position):
                raise ConversionError(f"{region.path}.{label} cannot be written inside the group {region.path}")
            label = None
        if isinstance(p, Layer):
            item = op_call(p, dont_care)
        elif p.kind == "block":
            values = [ast.Keyword(k, ast.Literal(DONT_CARE if dont_care else v, S), S)
                      for k, v in ctx.args_of[p].items()]
            item = ast.Call(ctx.block_of[p], [], values, True, S)
        else:
            item = group_item(ctx, p, dont_care)
        elements.append(group_element(label, item) if isinstance(item, ast.Group)
                        else ast.Element(ast.Name(label, S) if label else None, item, None, S))
    return ast.Group(ast.Chain(repeat(elements), S), S)


def group_element(label: str | None, group: ast.Group) -> ast.Element:
    """A labeled group; one of a single unlabeled element is that element repeated, labeled
    (`layer1: [block(64) * 3]` is `layer1: block(64) * 3`, the same names; one element is
    `* 1`, so that stages of one block and of several share a shape: `finish` writes what stays
    `* 1` as `[block(64)]` again)."""
    (first, *rest) = group.chain.elements or [None]
    name = ast.Name(label, S) if label else None
    if first is not None and not rest and first.label is None and first.index is None and label:
        return ast.Element(name, first.item, first.count or ast.Literal(1, S), S)
    return ast.Element(name, group, None, S)


def repeat(elements: list[ast.Element]) -> list[ast.Element]:
    """Runs of equal unlabeled elements as one `element * n` (positions are kept: a repetition
    inside a labeled group numbers its rounds as the elements were)."""
    out: list[ast.Element] = []
    for el in elements:
        last = out[-1] if out else None
        if last is not None and el.label is None and last.label is None and last.index is None \
                and same(last.item, el.item):
            n = last.count.value + 1 if last.count is not None else 2
            out[-1] = ast.Element(None, last.item, ast.Literal(n, S), S)
        else:
            out.append(el)
    return out


def same(a: Any, b: Any) -> bool:
    """Structural equality of two syntax trees, spans aside."""
    return shape(a) == shape(b) and literals(a) == literals(b)


def shape(node: Any) -> Any:
    """A syntax tree with its literals' values and its spans left out: what two instances of one
    block must share."""
    if isinstance(node, ast.Literal):
        return ("literal",)
    if isinstance(node, list):
        return tuple(shape(x) for x in node)
    if isinstance(node, tuple):
        return ("tuple", *(shape(x) for x in node))
    if hasattr(node, "__dataclass_fields__"):
        return (type(node).__name__, *(shape(getattr(node, f)) for f in node.__dataclass_fields__ if f != "span"))
    return node


def literals(node: Any, role: str = "", out: list | None = None) -> list:
    """Every literal of a syntax tree in a fixed order, with its role: the attribute it is the value
    of, "block.parameter" for a block's argument, "n" for a repetition count, "flag:<label>" for
    a condition."""
    out = [] if out is None else out
    if isinstance(node, ast.Literal):
        out.append((node, role))
    elif isinstance(node, ast.Call) and node.kwargs and not is_op(node.name):
        for kw in node.kwargs:  # a block's arguments: "block.parameter"
            literals(kw.value, f"{node.name}.{kw.name}", out)
    elif isinstance(node, ast.Keyword):
        literals(node.value, node.name, out)
    elif isinstance(node, ast.For):
        literals(node.iter, "n", out)  # a loop's bounds: how many layers
        literals(node.body, role, out)
    elif isinstance(node, ast.Range):
        literals(node.start, "n", out)
        literals(node.end, "n", out)
    elif isinstance(node, ast.Element):
        literals(node.label, role, out)
        literals(node.item, role, out)
        literals(node.count, "n", out)
    elif isinstance(node, ast.ChainIf):
        for cond, chain in node.branches:
            literals(cond, "flag:" + _flag_name(chain), out)
            literals(chain, role, out)
        literals(node.orelse, role, out)
    elif isinstance(node, (list, tuple)):
        for x in node:
            literals(x, role, out)
    elif hasattr(node, "__dataclass_fields__"):
        for f in node.__dataclass_fields__:
            if f != "span":
                literals(getattr(node, f), role, out)
    return out


def _flag_name(chain: ast.Chain) -> str:
    """What a condition is named after: the label of the part it guards, else its op."""
    el = chain.elements[0]
    if el.label is not None:
        return el.label.id.split(".")[-1]
    return "use_" + el.item.name if isinstance(el.item, ast.Call) else "use"


def _clashes(label: str, fixed: list[str], auto: set[str]) -> bool:
    """Whether a stateless module's label could meet another name: a label already given, a layer
    it would sit inside, or one of the names the elaborator makes up (`relu`, `relu_1`)."""
    first = label.split(".")[0]
    for other in fixed:
        if other == label or label.startswith(other + ".") or other.startswith(label + "."):
            return True
    base = re.sub(r"_\d+$", "", first)
    return first in auto or base in auto
