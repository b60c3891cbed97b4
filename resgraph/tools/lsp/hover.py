"""Hover: what a layer, block, model, value or variable is, with its output shape and its cost.

Shapes, parameters and MACs are read from the graphs the document's models make (or, for a file of
blocks, the graphs of open documents that import it): a layer written once in a block has one
instance per block instance, so a hover may list several shapes and sum the costs.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ...errors import ResgraphError, Source, Span
from ...ir import ops
from ...ir.ops.base import shown
from ...ir.ops.table import signature
from ...syntax import ast
from ...syntax.loader import import_path
from ...syntax.values import show
from ..analysis.units import si
from .analysis import Analysis, ModelResult
from .ast_index import Pos, element_sites, text_of, value_sites
from .graph_index import Instance
from .targets import (
    BLOCK, ELEMENT, IMPORT, INPUT_OF_BLOCK, KEYWORD, MODEL, OP, VALUE, VARIABLE, Target, blocks_in_scope,
    models_in_scope, target_at,
)

MAX_SHAPES = 4  # distinct shapes listed before "…"


def hover(analysis: Analysis, pos: Pos, others: Sequence[ModelResult] = ()) -> tuple[str, Span] | None:
    """Markdown for what is at `pos`, and the span it describes; `others` are models of other open
    documents that may instantiate this document's blocks."""
    t = target_at(analysis, pos)
    if t is None:
        return None
    results = focus(analysis, t.defn, others)
    text = {OP: _op, BLOCK: _block, MODEL: _model, VALUE: _value, VARIABLE: _variable, IMPORT: _import,
            INPUT_OF_BLOCK: _block_input, KEYWORD: _keyword, ELEMENT: _element}[t.kind](analysis, t, results)
    return (text, t.span) if text else None


def focus(analysis: Analysis, defn, others: Sequence[ModelResult] = ()) -> list[ModelResult]:
    """The elaborations to read, the most relevant first: the model the cursor is in, then the
    document's other models in file order, then other documents' models."""
    own = list(analysis.models.values())
    if isinstance(defn, ast.ModelDef):
        own.sort(key=lambda m: m.name != defn.name)
    return own + [r for r in others if r not in own]


def instances_at(results: Sequence[ModelResult], spans: Sequence[Span], *, layers: bool = False,
                 kind: str | None = None) -> tuple[ModelResult | None, list[Instance]]:
    """The first model (in `results` order) that made something at one of `spans`, and what it made:
    only layers, or only scopes of `kind`, if asked (a dotted label `stem.conv:` also makes the
    scope `stem` at its call)."""
    for r in results:
        for span in spans:
            found = [i for i in r.index.instances(span) if (i.scope is None if layers else
                     kind is None or (i.scope is not None and i.scope.kind == kind))]
            if found:
                return r, found
    return None, []


# -- text pieces ------------------------------------------------------------------------------------


def code(text: str) -> str:
    return f"```rg\n{text}\n```"


def shapes_text(instances: Sequence[Instance]) -> str:
    """`[64, 56, 56]`, or `[64, 56, 56]` ×3, `[128, 28, 28]` ×4 … for instances of several shapes."""
    counts = Counter(str(t) if t is not None else "?" for i in instances for t in i.types)
    if len(counts) == 1 and sum(counts.values()) == 1:
        return f"`{next(iter(counts))}`"
    parts = [f"`{s}`" + (f" ×{n}" if n > 1 else "") for s, n in list(counts.items())[:MAX_SHAPES]]
    return ", ".join(parts) + (", …" if len(counts) > MAX_SHAPES else "")


def cost_text(instances: Sequence[Instance]) -> str:
    params = sum(i.params for i in instances)
    macs = None if any(i.macs is None for i in instances) else sum(i.macs for i in instances)
    text = f"{params:,} parameters · {si(macs, 'MACs')}" if macs is not None else f"{params:,} parameters"
    return text + (" in all" if len(instances) > 1 else "")


def made_text(result: ModelResult, instances: Sequence[Instance], several_models: bool,
              costs: bool = True) -> str:
    """The output shapes (and costs) of what one site made, and where."""
    first = instances[0]
    where = f" in model `{result.name}`" if several_models else ""
    if len(instances) == 1:
        head = f"`{first.path}`{where} → {shapes_text(instances)}"
    else:
        head = f"{len(instances)} instances{where} (`{first.path}`, …) → {shapes_text(instances)}"
    return f"{head}  \n{cost_text(instances)}" if costs else head


def attr_text(value) -> str:
    return "none" if value is None else shown(value)


def params_text(source: Source | None, params: list[ast.Param]) -> str:
    """`(c: int, stride: int = 1)` as written."""
    parts = []
    for p in params:
        text = p.name + (f": {p.type}" if p.type else "")
        if p.default is not None:
            text += " = " + (text_of(source, p.default.span) if source is not None else "…")
        parts.append(text)
    return "(" + ", ".join(parts) + ")"


def block_header(bdef: ast.BlockDef, home) -> str:
    source = home.source if home is not None else None
    return f"block {bdef.name}{params_text(source or bdef.span.source, bdef.params)}"


def model_header(mdef: ast.ModelDef, source: Source) -> str:
    if mdef.base is not None:
        return text_of(source, Span(source, mdef.span.line, mdef.span.col, mdef.base.span.end_line,
                                    mdef.base.span.end_col)) + "(" + ", ".join(
            f"{k.name}={text_of(source, k.value.span)}" for k in mdef.base.kwargs) + ")"
    return f"model {mdef.name}{params_text(source, mdef.params)}"


def _doc(text: str | None) -> str:
    """A docstring as Markdown, its common indentation removed (indented lines would be code)."""
    return "\n\n" + inspect.cleandoc(text) if text else ""


def _several(analysis: Analysis, results: Sequence[ModelResult]) -> bool:
    return len(results) > 1 or any(r not in analysis.models.values() for r in results)


# -- one function per kind of target ---------------------------------------------------------------


def _op(analysis: Analysis, t: Target, results) -> str:
    opdef = ops.get(t.name)
    result, found = instances_at(results, [t.node.span], layers=True)
    label = ""
    if found:
        attrs = found[0].graph.attrs(found[0].path)
        call = f"{opdef.name}(" + ", ".join(f"{k}={attr_text(v)}" for k, v in attrs) + ")"
        leaf = found[0].path.rpartition(".")[2]  # a label, unless a fresh (relu_1) or group (0) name
        label = f"{leaf}: " if not (leaf.isdigit() or leaf.startswith(opdef.name)) else ""
        text = code(label + call) + _doc(opdef.summary)
        return text + "\n\n" + made_text(result, found, _several(analysis, results))
    return code(signature(opdef)) + _doc(opdef.summary)


def _block(analysis: Analysis, t: Target, results) -> str:
    bdef, home = blocks_in_scope(analysis)[t.name]
    text = code(block_header(bdef, home)) + _doc(bdef.doc)
    if t.declaration:
        for r in results:
            paths = r.index.block_instances(t.name)
            if paths:
                found = [r.index.scope_instance(p) for p in paths]
                return text + "\n\n" + made_text(r, found, _several(analysis, results))
        return text
    result, found = instances_at(results, [t.node.span], kind="block")
    if found:
        args = found[0].scope.args
        if args:
            text += "\n\n" + code(f"{t.name}(" + ", ".join(f"{k}={show(v)}" for k, v in args.items()) + ")")
        text += "\n\n" + made_text(result, found, _several(analysis, results))
    return text


def _model(analysis: Analysis, t: Target, results) -> str:
    entry = models_in_scope(analysis).get(t.name)
    if entry is None:
        return ""
    mdef, home = entry
    source = home.source if home is not None else analysis.source
    text = code(model_header(mdef, source)) + _doc(mdef.doc)
    r = next((r for r in [*analysis.models.values(), *results] if r.name == t.name), None)
    if r is None:
        return text
    g, costs = r.graph, r.index.costs
    out = g.type_of(g.output) if g.output is not None else None
    macs = [m for _, m in costs.values()]
    total = None if any(m is None for m in macs) else sum(macs)
    params = sum(p for p, _ in costs.values())
    line = f"output `{out if out is not None else '?'}` · {params:,} parameters"
    line += f" · {si(total)}MACs" if total is not None else ""
    line += f" · {len(g)} layers" + (f" · {len(r.errors)} errors" if r.errors else "")
    return text + "\n\n" + line


def _value(analysis: Analysis, t: Target, results) -> str:
    if not t.binds:
        return ""
    b = t.binds[0]
    kind = {"value": "value", "input": "input", "tensor parameter": "tensor parameter"}.get(b.kind, b.kind)
    text = f"{kind} `{t.name}`, bound on line {b.span.line}"
    spans = []
    if isinstance(b.node, ast.Bind) and len(b.node.targets) == 1:
        spans = value_sites(b.node.chain)
    elif isinstance(b.node, ast.Input):
        spans = [b.node.span]
    result, found = instances_at(results, spans)
    if found:
        text += "\n\n" + made_text(result, found, _several(analysis, results), costs=False)
    return text


def _variable(analysis: Analysis, t: Target, results) -> str:
    if not t.binds:
        return ""
    b, source = t.binds[0], analysis.source
    node = b.node
    if isinstance(node, ast.Param):
        text = code(f"{t.name}" + (f": {node.type}" if node.type else "") +
                    (f" = {text_of(source, node.default.span)}" if node.default is not None else ""))
        text += f"\n\nparameter of {'block' if isinstance(t.defn, ast.BlockDef) else 'model'} `{t.defn.name}`"
        values = _parameter_values(t, results)
        return text + (f"  \nvalues: {values}" if values else "")
    if isinstance(node, ast.Let):
        return code(f"let {node.name} = {text_of(source, node.value.span)}")
    if isinstance(node, ast.For):
        return code(f"for {node.var} in {text_of(source, node.iter.span)}") + "\n\nloop variable"
    return ""


def _parameter_values(t: Target, results) -> str:
    """The values a parameter takes: in each instance of its block, or in each model."""
    counts: Counter = Counter()
    if isinstance(t.defn, ast.BlockDef):
        for r in results:
            for p in r.index.block_instances(t.defn.name):
                if t.name in r.graph.scopes[p].args:
                    counts[show(r.graph.scopes[p].args[t.name])] += 1
            if counts:
                break
    else:
        for r in results:
            if t.name in r.graph.params:
                counts[show(r.graph.params[t.name])] += 1
    parts = [f"`{v}`" + (f" ×{n}" if n > 1 else "") for v, n in list(counts.items())[:MAX_SHAPES]]
    return ", ".join(parts) + (", …" if len(counts) > MAX_SHAPES else "")


def _block_input(analysis: Analysis, t: Target, results) -> str:
    text = f"`in`: the input of block `{t.defn.name}`"
    for r in results:
        paths = r.index.block_instances(t.defn.name)
        if paths:
            entries = [r.index.entries(p)[:1] for p in paths]
            found = [r.index.node_instance(e[0]) for e in entries if e]
            if found:
                return text + " → " + shapes_text(found)
    return text


def _keyword(analysis: Analysis, t: Target, results) -> str:
    call = t.call
    if ops.is_op(call.name) and call.name not in blocks_in_scope(analysis):
        opdef = ops.get(call.name)
        f = opdef.attrs.model_fields.get(t.name)
        if f is None:
            return ""
        default = "required" if f.is_required() else f"default {attr_text(f.default)}"
        return code(signature(opdef)) + f"\n\nattribute `{t.name}` of `{opdef.name}` ({default})"
    entry = blocks_in_scope(analysis).get(call.name)
    if entry is not None:
        param = next((p for p in entry[0].params if p.name == t.name), None)
        if param is not None:
            return code(block_header(*entry)) + f"\n\nparameter `{t.name}` of block `{call.name}`"
    return ""


def _element(analysis: Analysis, t: Target, results) -> str:
    el: ast.Element = t.node
    item = el.item
    if el.count is None and isinstance(item, ast.Call):
        inner = Target(BLOCK if item.name in blocks_in_scope(analysis) else OP, item.name, t.span, item, t.defn)
        if inner.kind == OP and not ops.is_op(item.name):
            return ""
        return (_op if inner.kind == OP else _block)(analysis, inner, results)
    result, found = instances_at(results, element_sites(el))
    what = ("repetition" if el.count is not None else "group" if isinstance(item, ast.Group)
            else "conditional" if isinstance(item, ast.ChainIf) else "element")
    text = code(text_of(analysis.source, el.span).split("\n")[0]) + f"\n\n{what}"
    if found:
        text += "\n\n" + made_text(result, found, _several(analysis, results))
    return text


def _import(analysis: Analysis, t: Target, results) -> str:
    node: ast.Import = t.node
    base = analysis.path.resolve().parent if analysis.path is not None else Path.cwd()
    try:
        target = import_path(node, base)
    except ResgraphError:  # the import's own error is a diagnostic already
        return ""
    blocks = [n for n, (_, home) in blocks_in_scope(analysis).items()
              if home is not None and home.source.path == str(target)]
    models = [n for n, (_, home) in models_in_scope(analysis).items()
              if home is not None and home.source.path == str(target)]
    text = f"`{target}`"
    if blocks:
        text += "\n\nblocks: " + ", ".join(f"`{b}`" for b in blocks)
    if models:
        text += "\n\nmodels: " + ", ".join(f"`{m}`" for m in models)
    return text
