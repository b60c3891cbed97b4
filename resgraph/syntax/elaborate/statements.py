"""AST → IR: bind parameters, expand loops and conditionals, instantiate blocks, name every layer.

Naming (docs/language.md, "Names"): a label; else the statement's name for the chain's last
unnamed element; else the position inside a labeled group or repetition; else the op (or block)
name, then `name_1`, `name_2`, ... Names inside a block instance are prefixed with its path.

Values may be used before the line that binds them, so a reference to a name not bound yet is a
`Pending` that is resolved when its scope ends; the edges that read it are connected at the end.
Each statement is elaborated on its own: an error is recorded and the names it would bind are
marked failed, so that later uses do not repeat the error.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ...errors import (
    CycleError, Diagnostic, Diagnostics, GraphError, LimitError, NameError_, ResgraphError, Span,
    SyntaxError_, TypeError_, UsageError, did_you_mean,
)
from ...ir import Graph, Scope, ops
from .. import ast
from ..values import MAX_LIST, Env, Evaluator, check_type_name, coerce, show, type_name

MAX_ITERATIONS = 100_000  # per loop, repetition or name range
MAX_NODES = 1_000_000
MAX_EDGES = 4_000_000
MAX_WORK = 5_000_000  # statements + elements + layers elaborated: stops runaway nested loops
MAX_DEPTH = 32  # block instances inside block instances
MAX_ERRORS = 100  # then stop: each error renders its source line, and the first ones matter most


_LIMITS = (("layers", MAX_NODES), ("edges", MAX_EDGES), ("elaboration steps", MAX_WORK))


class _Poisoned(Exception):
    """A statement depends on a name whose own statement failed: skip it, reporting nothing new."""


class _TooManyErrors(Exception):
    """MAX_ERRORS errors are recorded: stop elaborating and report those."""


@dataclass(eq=False)
class Pending:
    """A value named before its binding line; `target` is set when its scope ends."""

    frame: "Frame"
    name: str
    span: Span
    target: Any = None
    failed: bool = False


Value = Any  # str (a node path) | Pending


@dataclass
class Unit:
    """One parsed file with the blocks and models it can see (its own and imported ones)."""

    source: Any
    file: ast.File
    blocks: dict[str, tuple[ast.BlockDef, "Unit"]] = field(default_factory=dict)
    models: dict[str, tuple[ast.ModelDef, "Unit"]] = field(default_factory=dict)
    sources: list = field(default_factory=list)  # this file and everything it imports


@dataclass(eq=False)
class Frame:
    """The namespace of a model or block instance."""

    prefix: str
    unit: Unit
    input: Value | None
    values: dict[str, Value] = field(default_factory=dict)
    bound_at: dict[str, Span] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    pendings: list[Pending] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    tainted: bool = False  # a conditional or loop failed: undefined names may be its fault

    def path(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local


class Elaborator:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.diags = Diagnostics()
        self.deferred: list[tuple[Pending, str, int]] = []
        self.incomplete: set[str] = set()  # nodes with deferred in-edges
        self.claimed: set[str] = set()
        self.work = 0
        self.edges = 0
        self.stack: list[str] = []
        self.failures: set[tuple[str, str]] = set()  # the distinct errors recorded so far
        self.stopped = False
        self.loops: list[tuple[int, tuple[int, int, int]]] = []  # enclosing repeats: rounds left, totals

    # -- entry ---------------------------------------------------------------------------------
    def model(self, model: ast.ModelDef, unit: Unit, params: dict[str, Any], input_shape) -> None:
        g = self.graph
        derived = model
        model, unit, defaults = resolve_model(model, unit)
        self.root = (model, unit)  # the model with the body, for the printer
        values = bind_model_params(model, params, defaults, derived)
        g.params = dict(values)
        frame = Frame("", unit, None)
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.inputs_seen = 0
        try:
            self.body(frame, Env(dict(values)), model.body, in_model=True)
        except _TooManyErrors:
            self.stopped = True
            return
        self.close(frame)
        self.connect_deferred()
        out = frame.values.get("out")
        if out is not None:
            target = self.deref(out)
            if target is not None:
                g.set_output(target)
        elif "out" not in frame.failed:
            self.diags.error(GraphError, f"model '{model.name}' binds no out", model.span,
                             hint="bind the model's result: out = ... -> fc: linear(num_classes)")

    def errors(self) -> list[Diagnostic]:
        """Every error once, in the order found (a mistake in a block repeats per instance), at most
        MAX_ERRORS of them: the last then says that there may be more."""
        seen, out = set(), []
        for d in self.diags.errors:
            key = (d.message, str(d.span))
            if key not in seen:
                seen.add(key)
                out.append(d)
        if self.stopped or len(out) > MAX_ERRORS:
            out = out[:MAX_ERRORS]
            out[-1] = dataclasses.replace(out[-1], notes=[*out[-1].notes, Diagnostic(
                "note", f"stopped after {MAX_ERRORS} errors; fix these first")])
        return out

    # -- statements ----------------------------------------------------------------------------
    def body(self, frame: Frame, env: Env, stmts: list, in_model: bool) -> None:
        for st in stmts:
            self.tick(st.span)
            try:
                self.stmt(frame, env, st, in_model)
            except _Poisoned:
                self.fail_targets(frame, env, st)
            except LimitError:
                raise
            except RecursionError:  # an expression like 1 + 1 + ... nested past Python's stack
                raise LimitError("this statement nests too deeply to evaluate", st.span,
                                 hint="split it with let bindings") from None
            except ResgraphError as exc:
                self.diags.add(exc)
                self.fail_targets(frame, env, st)
                self.failures.update((d.message, str(d.span)) for d in exc.diagnostics)
                if len(self.failures) >= MAX_ERRORS:
                    raise _TooManyErrors() from None

    def fail_targets(self, frame: Frame, env: Env, st) -> None:
        if isinstance(st, ast.Bind):
            try:
                frame.failed.add(self.local_name(env, st.target))
            except ResgraphError:
                frame.tainted = True
        elif isinstance(st, (ast.If, ast.For)):
            frame.tainted = True

    def stmt(self, frame: Frame, env: Env, st, in_model: bool) -> None:
        ev = self.evaluator(frame, env)
        if isinstance(st, ast.Bind):
            name = self.local_name(env, st.target)
            if name == "in":
                raise NameError_("'in' is the block's input and cannot be rebound", st.target.span)
            if name in frame.values or name in frame.failed:
                where = frame.bound_at.get(name)
                raise NameError_(
                    f"'{name}' is bound twice" + (f" (first on line {where.line})" if where else ""),
                    st.target.span,
                    hint="inside a loop, use a name template: h{i} = ...",
                )
            frame.bound_at[name] = st.target.span
            frame.values[name] = self.chain(frame, env, st.chain, None, frame.path(name), None)
        elif isinstance(st, ast.Let):
            if st.name in env.vars:
                raise NameError_(f"'{st.name}' is already bound in this scope", st.span,
                                 hint="choose another name")
            env.vars[st.name] = ev(st.value)
        elif isinstance(st, ast.If):
            for cond, body in st.branches:
                if ev.condition(cond):
                    self.body(frame, env, body, in_model)
                    return
            if st.orelse is not None:
                self.body(frame, env, st.orelse, in_model)
        elif isinstance(st, ast.For):
            items = self.iterate(ev, st.iter)
            self.repeat(len(items), st.span, lambda k: self.body(
                frame, Env({st.var: items[k]}, env), st.body, in_model))
        elif isinstance(st, ast.Input):
            if not in_model:
                raise SyntaxError_("'input' declares a model's input; a block reads its input as 'in'",
                                   st.span)
            self.input(frame, ev, st)
        elif isinstance(st, ast.Option):
            if not in_model:
                raise SyntaxError_("'option' is a model setting; move it into the model", st.span)
            self.graph.options[st.name] = ev(st.value)
        else:  # pragma: no cover - the parser produces no other statements
            raise TypeError_("unknown statement", st.span)

    def input(self, frame: Frame, ev: Evaluator, st: ast.Input) -> None:
        dims = []
        for d in st.dims:
            v = None if isinstance(d, ast.Name) and d.id == "_" else ev(d)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise TypeError_(f"an input size must be an int or _, got {type_name(v)} {show(v)}", d.span)
            dims.append(v)
        self.inputs_seen += 1
        if self.input_shape is not None:
            if self.inputs_seen > 1:
                raise UsageError("input_shape overrides the input of a model with one input", st.span)
            dims = list(self.input_shape)
        if st.name in frame.values:
            raise NameError_(f"'{st.name}' is bound twice", st.span)
        attrs = ops.get("input").bind([tuple(dims)], {}, st.span)
        path = self.claim(frame.path(st.name), st.span)
        self.add(path, "input", attrs, st.span)
        frame.values[st.name] = path
        frame.bound_at[st.name] = st.span

    def iterate(self, ev: Evaluator, it) -> list:
        if isinstance(it, ast.Range):
            start, end = ev(it.start), ev(it.end)
            for v, e in ((start, it.start), (end, it.end)):
                if not isinstance(v, int) or isinstance(v, bool):
                    raise TypeError_(f"a range bound must be an int, got {type_name(v)} {show(v)}", e.span)
            stop = end + 1 if it.inclusive else end
            if stop - start > MAX_ITERATIONS:
                raise LimitError(f"a range of {stop - start} items, more than the limit {MAX_ITERATIONS}",
                                 it.span)
            return list(range(start, stop))
        items = ev(it)
        if not isinstance(items, (list, tuple)):
            raise TypeError_(f"a for loop runs over a range (1..=n) or a list, got {type_name(items)}",
                             it.span)
        return list(items)

    # -- limits --------------------------------------------------------------------------------
    def tick(self, span: Span) -> None:
        self.work += 1
        if self.work > MAX_WORK:
            raise LimitError(f"the spec takes more than {MAX_WORK} elaboration steps", span,
                             hint="look for nested loops or repetitions that multiply")

    def repeat(self, n: int, span: Span, run) -> None:
        """Run `run(k)` for k < n, stopping as soon as the rounds so far show that n rounds overflow.

        A round is expected to add at least what the one before it added, unless it added less (a
        dense block's loop adds one more edge each round: `dense_block(10000, 12)` is refused after
        a few hundred rounds, not at its 4,000,000th edge); an enclosing loop's later rounds, what
        its current one adds (so a loop inside a loop is judged by its own first round).
        """
        if n > MAX_ITERATIONS:
            raise LimitError(f"{n} repetitions, more than the limit {MAX_ITERATIONS}", span)
        nodes = self.graph.nx._node  # the node dict: its len is the cheapest count
        grew = None
        outer = self.loops
        for k in range(n):
            before = len(nodes), self.edges, self.work
            outer.append((n - 1 - k, before))
            try:
                run(k)
            finally:
                outer.pop()
            now = len(nodes), self.edges, self.work
            step = now[0] - before[0], now[1] - before[1], now[2] - before[2]
            if step != grew:  # the same step as the round before predicts the same total
                for i, (what, limit) in enumerate(_LIMITS):
                    if grew is None or step[i] >= grew[i]:
                        total = now[i] + step[i] * (n - 1 - k)
                        for left, start in reversed(outer):
                            total += (total - start[i]) * left
                        if total > limit:
                            raise LimitError(f"this would build about {total} {what}, more than the limit "
                                             f"{limit}", span, hint="look for nested loops or repetitions that multiply")
                grew = step

    # -- chains --------------------------------------------------------------------------------
    def chain(self, frame: Frame, env: Env, chain: ast.Chain, incoming: Value | None,
              final: str | None, group: list | None) -> Value:
        """Elaborate a chain; `final` names its last unnamed element, `group` numbers elements."""
        shown = None
        elements = chain.elements
        start = 0
        if incoming is None:
            incoming, shown = self.head(frame, env, elements[0], final if len(elements) == 1 else None)
            start = 1
        for k in range(start, len(elements)):
            el = elements[k]
            self.tick(el.span)
            last = k == len(elements) - 1
            incoming, shown = self.element(frame, env, el, incoming, shown, final if last else None, group)
        return incoming

    def head(self, frame: Frame, env: Env, el: ast.Element, final: str | None) -> tuple[Value, str]:
        """The start of a chain: a value, a merge, or a conditional whose branches start from values."""
        item = el.item
        if isinstance(item, ast.ChainIf) and el.label is None and el.count is None:
            chosen = self.pick(frame, env, item)
            if chosen is None:
                raise SyntaxError_("a conditional at the start of a chain needs an else branch",
                                   item.span, hint="if c { x -> a } else { x }")
            return self.chain(frame, env, chosen, None, final, None), None
        if isinstance(item, ast.Call) and not item.parens and el.label is None and el.count is None:
            if item.name == "in" or item.name in frame.values or not self.is_callable(frame, item.name):
                return self.value(frame, item.name, item.span), item.name
        if isinstance(item, ast.TemplateRef) and el.label is None and el.count is None:
            name = self.template_name(env, item.template)
            return self.value(frame, name, item.span), name
        if isinstance(item, ast.Call) and (self.is_merge(frame, item.name) or not self.is_callable(frame, item.name)):
            return self.element(frame, env, el, None, None, final, None)  # a merge, or an unknown op
        if isinstance(item, ast.Call):
            raise SyntaxError_(f"a chain starts from a value, but '{item.name}' is a layer", item.span,
                               hint=f"feed it a value: x -> {item.name}" + ("(...)" if item.parens else ""))
        raise SyntaxError_("a chain starts from a value (a name, in, or a merge)", el.span,
                           hint="e.g. out = x -> conv(64, 3)")

    def element(self, frame: Frame, env: Env, el: ast.Element, incoming: Value | None,
                shown: str | None, final: str | None, group: list | None) -> tuple[Value, str]:
        path = final
        if el.label is not None:
            base = path_base(group, frame)
            path = f"{base}.{self.local_name(env, el.label)}" if base else self.local_name(env, el.label)
        if el.count is None:
            if path is None and group is not None:
                path = f"{group[0]}.{group[1]}"
                group[1] += 1
            elif group is not None:
                group[1] += 1
            return self.item(frame, env, el.item, incoming, shown, path)
        n = Evaluator(env, self.sizes_fn(frame, env))(el.count)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise TypeError_(f"a repetition count must be an int >= 0, got {type_name(n)} {show(n)}",
                             el.count.span)
        state = [incoming, shown]
        if path is not None:
            self.claim(path, el.span)
            if n:
                self.scope(path, "repeat", None, {}, el.span)
            if group is not None:
                group[1] += 1

            def one(k):
                state[:] = self.item(frame, env, el.item, state[0], state[1], f"{path}.{k}")
        elif group is not None:
            def one(k):
                state[:] = self.item(frame, env, el.item, state[0], state[1], f"{group[0]}.{group[1]}")
                group[1] += 1
        else:
            def one(k):
                state[:] = self.item(frame, env, el.item, state[0], state[1], None)
        self.repeat(n, el.span, one)
        return state[0], state[1]

    def item(self, frame: Frame, env: Env, item, incoming: Value, shown: str | None,
             path: str | None) -> tuple[Value, str]:
        if isinstance(item, ast.Group):
            if path is None:
                return self.chain(frame, env, item.chain, incoming, None, None), shown
            self.scope(self.claim(path, item.span), "group", None, {}, item.span)
            return self.chain(frame, env, item.chain, incoming, None, [path, 0]), path
        if isinstance(item, ast.ChainIf):
            chosen = self.pick(frame, env, item)
            if chosen is None:
                return incoming, shown
            return self.chain(frame, env, chosen, incoming, path, None), path or shown
        if isinstance(item, ast.TemplateRef):
            raise SyntaxError_("a value name in the middle of a chain", item.span,
                               hint="merge it instead: -> concat(...) or -> add(...)")
        name = item.name
        block = frame.unit.blocks.get(name)
        if block is not None:
            path = path or self.auto(frame, name)
            return self.instantiate(frame, env, item, block, incoming, path), path
        if not ops.is_op(name):
            if name in frame.values or name == "in":
                raise SyntaxError_(f"'{name}' is a value, not a layer", item.span,
                                   hint=f"to merge it, write add({name}) or concat({name})")
            raise NameError_(f"unknown op or block '{name}'", item.span,
                             hint=did_you_mean(name, [*ops.names(aliases=True), *frame.unit.blocks]))
        opdef = ops.get(name, item.span)
        ev = self.evaluator(frame, env)
        kwargs = {k.name: ev(k.value) for k in item.kwargs}
        if opdef.merge is not None:
            operands, names = self.operands(frame, env, item, incoming, shown)
            count = len(operands)
            if count < opdef.min_inputs or (opdef.max_inputs is not None and count > opdef.max_inputs):
                raise TypeError_(f"{opdef.name}() takes at least {opdef.min_inputs} operands, got {count}",
                                 item.span, hint=f"e.g. {opdef.name}(f, s)")
            attrs = opdef.bind([], kwargs, item.span)
        else:
            if opdef.max_inputs == 0:
                raise SyntaxError_(f"'{opdef.name}' cannot be used in a chain", item.span)
            attrs = opdef.bind([ev(a) for a in item.args], kwargs, item.span)
            operands, names = [incoming], None
        path = self.claim(path or self.auto(frame, opdef.name), item.span)
        self.add(path, opdef.name, attrs, item.span, operands, names)
        return path, path

    def pick(self, frame: Frame, env: Env, item: ast.ChainIf) -> ast.Chain | None:
        ev = self.evaluator(frame, env)
        for cond, chain in item.branches:
            if ev.condition(cond):
                return chain
        return item.orelse

    def operands(self, frame: Frame, env: Env, call: ast.Call, incoming: Value | None,
                 shown: str | None) -> tuple[list[Value], list[str]]:
        values, names = [], []
        if incoming is not None:
            values.append(incoming)
            names.append(shown or str(incoming))
        poisoned = False
        for arg in call.args:
            pairs = self.operand_names(env, arg)
            if len(values) + len(pairs) > MAX_LIST:
                raise LimitError(f"{call.name}() with more than {MAX_LIST} operands", call.span)
            for name, span in pairs:
                try:  # look at every operand, so that an undefined one is reported too
                    values.append(self.value(frame, name, span))
                except _Poisoned:
                    poisoned = True
                names.append(name)
        if poisoned:
            raise _Poisoned()
        return values, names

    def operand_names(self, env: Env, arg) -> list[tuple[str, Span]]:
        if isinstance(arg, ast.Name):
            return [(arg.id, arg.span)]
        if isinstance(arg, ast.Template):
            names = self.template_names(env, arg)
            return [(n, arg.span) for n in names]
        if isinstance(arg, ast.ListExpr):
            return [pair for item in arg.items for pair in self.operand_names(env, item)]
        raise TypeError_("an operand of a merge is the name of a value", arg.span,
                         hint="add(f, s), concat(in, h{1..i})")

    # -- blocks --------------------------------------------------------------------------------
    def instantiate(self, frame: Frame, env: Env, call: ast.Call, block, incoming: Value,
                    path: str) -> Value:
        bdef, unit = block
        if bdef.name in self.stack:
            raise LimitError(f"block '{bdef.name}' instantiates itself", call.span,
                             hint="blocks cannot be recursive; repeat with * n or a for loop")
        if len(self.stack) >= MAX_DEPTH:
            raise LimitError(f"blocks nested more than {MAX_DEPTH} deep", call.span)
        ev = self.evaluator(frame, env)
        args = bind_args(bdef, call, ev)
        path = self.claim(path, call.span)
        self.scope(path, "block", bdef.name, dict(args), call.span)
        inner = Frame(path, unit, incoming)
        self.stack.append(bdef.name)
        try:
            self.body(inner, Env(args), bdef.body, in_model=False)
        finally:
            self.stack.pop()
        self.close(inner)
        out = inner.values.get("out")
        if out is None:
            if "out" in inner.failed or inner.tainted:
                raise _Poisoned()
            raise GraphError(f"block '{bdef.name}' binds no out", bdef.span,
                             hint="bind the block's result: out = ...")
        return out

    # -- values and names ----------------------------------------------------------------------
    def is_callable(self, frame: Frame, name: str) -> bool:
        return ops.is_op(name) or name in frame.unit.blocks

    def is_merge(self, frame: Frame, name: str) -> bool:
        return name not in frame.unit.blocks and ops.is_op(name) and ops.get(name).merge is not None

    def value(self, frame: Frame, name: str, span: Span) -> Value:
        if name == "in":
            if frame.input is None:
                raise NameError_("'in' is a block's input; a model starts from its input", span,
                                 hint="declare it with input x[3, 224, 224] and start from x")
            return frame.input
        v = frame.values.get(name)
        if v is not None:
            return v
        if name in frame.failed:
            raise _Poisoned()
        p = Pending(frame, name, span)
        frame.pendings.append(p)
        return p

    def close(self, frame: Frame) -> None:
        """Resolve the names this scope used before binding them."""
        for p in frame.pendings:
            v = frame.values.get(p.name)
            if v is None:
                p.failed = True
                if p.name not in frame.failed and not frame.tainted:
                    self.diags.error(NameError_, f"undefined name '{p.name}'", p.span,
                                     hint=did_you_mean(p.name, frame.values) or _undefined_hint(frame, p.name))
            else:
                p.target = v

    def deref(self, v: Value) -> str | None:
        seen = set()
        while isinstance(v, Pending):
            if v.failed or id(v) in seen:
                if id(v) in seen:
                    self.diags.error(CycleError, f"'{v.name}' is bound to itself", v.span,
                                     hint="a name must end in a layer or an input")
                    v.failed = True
                return None
            seen.add(id(v))
            v = v.target
        return v

    def connect_deferred(self) -> None:
        for p, dst, index in self.deferred:
            src = self.deref(p)
            if src is not None:
                self.graph.connect(src, dst, index)

    def sizes_fn(self, frame: Frame, env: Env):
        def sizes(e: ast.Attr):
            target = e.value
            if isinstance(target, ast.Name):
                found, var = env.lookup(target.id)
                if found:
                    raise TypeError_(f"'{target.id}' is {type_name(var)} {show(var)}; it has no .{e.attr}",
                                     e.span, hint=".channels, .height and .width read the size of a layer")
                name = target.id
            elif isinstance(target, ast.Template):
                name = self.template_name(env, target)
            else:
                raise TypeError_(f".{e.attr} reads the size of a named layer, e.g. in.{e.attr}", e.span)
            return self.size(frame, name, e.attr, e.span)

        return sizes

    def size(self, frame: Frame, name: str, attr: str, span: Span) -> int:
        if attr not in ("channels", "height", "width") and f"{name}.{attr}" in frame.values:
            raise TypeError_(f"'{name}.{attr}' is a layer, not a number", span,
                             hint=f"read its size: {name}.{attr}.channels")
        if attr not in ("channels", "height", "width"):
            raise NameError_(f"a layer has no size '.{attr}'", span,
                             hint=did_you_mean(attr, ["channels", "height", "width"])
                             or "sizes are .channels, .height and .width")
        v = self.value(frame, name, span)
        node = self.deref(v) if not isinstance(v, Pending) or v.target is not None else None
        if node is None:
            raise NameError_(f"'{name}.{attr}' is read before '{name}' is bound", span,
                             hint=f"move the line that binds '{name}' above this one")
        if self.incomplete and (self.incomplete & (nx.ancestors(self.graph.nx, node) | {node})):
            raise NameError_(f"the size of '{name}' depends on a name bound later", span,
                             hint="move the lines it depends on above this one")
        t = self.graph.infer(node)
        if t is None:
            raise _Poisoned()
        if attr == "channels":
            return t.channels
        axis = 0 if attr == "height" else 1
        if len(t.spatial) <= axis:
            raise TypeError_(f"'{name}' is a vector {t}; it has no .{attr}", span)
        size = t.spatial[axis]
        if size is None:
            raise TypeError_(f"'{name}.{attr}' is not known: the input size is not declared", span,
                             hint="declare it: input x[3, 224, 224]")
        return size

    def evaluator(self, frame: Frame, env: Env) -> Evaluator:
        def unknown(e: ast.Name):
            if e.id == "in" or e.id in frame.values:
                raise TypeError_(f"'{e.id}' is a layer, not a number", e.span,
                                 hint=f"read its size: {e.id}.channels")
            raise NameError_(f"undefined name '{e.id}'", e.span, hint=did_you_mean(e.id, env.names()))

        return Evaluator(env, self.sizes_fn(frame, env), unknown)

    def local_name(self, env: Env, target) -> str:
        if isinstance(target, ast.Name):
            return target.id
        return self.template_name(env, target)

    def template_name(self, env: Env, t: ast.Template) -> str:
        if t.is_range:
            raise TypeError_("a name range stands for several names; it cannot name one", t.span,
                             hint="use h{i} here; h{1..i} lists names for concat")
        return "".join(p if isinstance(p, str) else _name_piece(Evaluator(env)(p), p.span) for p in t.parts)

    def template_names(self, env: Env, t: ast.Template) -> list[str]:
        if not t.is_range:
            return [self.template_name(env, t)]
        ev = Evaluator(env)
        lists = [[p] if isinstance(p, str) else
                 [_name_piece(v, p.span) for v in self.iterate(ev, p)] if isinstance(p, ast.Range) else
                 [_name_piece(ev(p), p.span)] for p in t.parts]
        count = math.prod(len(options) for options in lists)  # before building: h{1..=n}_{1..=n}
        if count > MAX_LIST:
            raise LimitError(f"a name range of {count} names, more than the limit {MAX_LIST}", t.span)
        return ["".join(parts) for parts in itertools.product(*lists)]

    def auto(self, frame: Frame, base: str) -> str:
        """The next free `base`, `base_1`, `base_2`, ... in the frame."""
        k = frame.counters.get(base, 0)
        while True:
            local = base if k == 0 else f"{base}_{k}"
            k += 1
            if frame.path(local) not in self.claimed:
                frame.counters[base] = k
                return frame.path(local)

    def claim(self, path: str, span: Span) -> str:
        """Reserve a node or scope path; a dotted name's missing namespaces become groups."""
        if path in self.claimed:
            first = self.graph.nx.nodes[path]["span"] if path in self.graph.nx else (
                self.graph.scopes[path].span if path in self.graph.scopes else None)
            where = f" (first on line {first.line})" if first is not None and first.line else ""
            raise NameError_(f"duplicate name '{path}'" + where, span, hint="give the layer another label")
        parent = path.rpartition(".")[0]
        if parent in self.graph.nx:
            raise NameError_(f"'{parent}' is a layer, so '{path}' cannot live inside it", span,
                             hint=f"name one of them differently, e.g. {parent}_{path.rpartition('.')[2]}")
        if parent and parent not in self.claimed:
            self.scope(self.claim(parent, span), "group", None, {}, span)
        self.claimed.add(path)
        return path

    # -- building ------------------------------------------------------------------------------
    def scope(self, path: str, kind: str, block: str | None, args: dict, span: Span) -> None:
        self.graph.scopes[path] = Scope(path, kind, block, args, span)

    def add(self, path: str, op: str, attrs, span: Span, operands: list[Value] = (),
            names: list[str] | None = None) -> None:
        g = self.graph
        if len(g) >= MAX_NODES:
            raise LimitError(f"the graph has more than {MAX_NODES} layers", span)
        self.edges += len(operands)
        if self.edges > MAX_EDGES:
            raise LimitError(f"the graph has more than {MAX_EDGES} edges", span)
        self.tick(span)
        g.add_node(path, op, attrs, (), span)
        if names is not None:
            g.nx.nodes[path]["operand_names"] = names
        if any(isinstance(v, Pending) for v in operands):
            for i, v in enumerate(operands):
                if isinstance(v, Pending):
                    self.deferred.append((v, path, i))
                    self.incomplete.add(path)
                else:
                    g.connect(v, path, i)
        else:
            g.connect_all(operands, path)


def path_base(group: list | None, frame: Frame) -> str:
    """Where a label lives: inside a labeled group, the group's path; else the frame."""
    return group[0] if group is not None else frame.prefix


def _name_piece(v: Any, span: Span) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise TypeError_(f"a name template needs an int or a string, got {type_name(v)} {show(v)}", span)
    return str(v)


def _undefined_hint(frame: Frame, name: str) -> str | None:
    if ops.is_op(name) or name in frame.unit.blocks:
        return f"'{name}' is a layer; a chain starts from a value: x -> {name}"
    return None


def resolve_model(model: ast.ModelDef, unit: Unit) -> tuple[ast.ModelDef, Unit, dict[str, tuple[Any, Span]]]:
    """Follow `model b = a(k=v)` down to the model with a body; the nearest new default wins."""
    defaults: dict[str, tuple[Any, Span]] = {}
    overrides: list[tuple[str, ast.Keyword]] = []
    seen = [model.name]
    while model.base is not None:
        base = model.base
        found = unit.models.get(base.name)
        if found is None:
            raise NameError_(f"model '{model.name}' derives from '{base.name}', which is not defined",
                             base.span, hint=did_you_mean(base.name, unit.models) or
                             "define or import the base model")
        if found[0].name in seen:
            raise NameError_(f"model '{model.name}' derives from itself: {' = '.join([*seen, base.name])}",
                             base.span, hint="derive from a model with a body")
        overrides.extend((base.name, kw) for kw in base.kwargs)
        model, unit = found
        seen.append(model.name)
    names = [p.name for p in model.params]
    for base_name, kw in overrides:
        if kw.name not in names:
            raise NameError_(f"model '{base_name}' has no parameter '{kw.name}'", kw.span,
                             hint=did_you_mean(kw.name, names) or f"its parameters are: {', '.join(names)}")
        defaults.setdefault(kw.name, (Evaluator(Env())(kw.value), kw.value.span))
    return model, unit, defaults


def bind_model_params(model: ast.ModelDef, given: dict[str, Any],
                      defaults: dict[str, tuple[Any, Span]] | None = None,
                      derived: ast.ModelDef | None = None) -> dict[str, Any]:
    """Model parameter values: defaults (a derived model's first) overridden by the caller's, type-checked."""
    names = [p.name for p in model.params]
    shown = derived or model
    for key in given:
        if key not in names:
            raise NameError_(f"model '{shown.name}' has no parameter '{key}'", shown.span,
                             hint=did_you_mean(key, names) or
                             (f"its parameters are: {', '.join(names)}" if names else "it takes no parameters"))
    values: dict[str, Any] = {}
    ev = Evaluator(Env(values))
    for p in model.params:
        check_type_name(p.type, p.span)
        if p.name in given:
            values[p.name] = coerce(given[p.name], p.type, f"model parameter '{p.name}'", p.span)
        elif defaults and p.name in defaults:
            value, span = defaults[p.name]
            values[p.name] = coerce(value, p.type, f"parameter '{p.name}'", span)
        elif p.default is not None:
            values[p.name] = coerce(ev(p.default), p.type, f"parameter '{p.name}'", p.default.span)
        else:
            raise TypeError_(f"model parameter '{p.name}' has no default and no value was given", p.span,
                             hint=f"pass it: -p {p.name}=VALUE, or load(..., {p.name}=VALUE)")
    return values


def bind_args(bdef: ast.BlockDef, call: ast.Call, ev: Evaluator) -> dict[str, Any]:
    """A block call's arguments bound to its parameters (positional, keywords, defaults)."""
    params = bdef.params
    names = [p.name for p in params]
    if len(call.args) > len(params):
        raise TypeError_(f"{bdef.name}() takes at most {len(params)} argument(s), got {len(call.args)}",
                         call.span, hint=f"{bdef.name}({', '.join(names)})")
    given: dict[str, tuple[Any, Span]] = {}
    for p, a in zip(params, call.args):
        given[p.name] = (ev(a), a.span)
    for kw in call.kwargs:
        if kw.name not in names:
            raise NameError_(f"{bdef.name}() has no parameter '{kw.name}'", kw.span,
                             hint=did_you_mean(kw.name, names) or f"{bdef.name}({', '.join(names)})")
        if kw.name in given:
            raise TypeError_(f"{bdef.name}() got '{kw.name}' twice", kw.span)
        given[kw.name] = (ev(kw.value), kw.span)
    values: dict[str, Any] = {}
    defaults = Evaluator(Env(values))
    for p in params:
        check_type_name(p.type, p.span)
        if p.name in given:
            v, span = given[p.name]
            values[p.name] = coerce(v, p.type, f"{bdef.name}() parameter '{p.name}'", span)
        elif p.default is not None:
            values[p.name] = coerce(defaults(p.default), p.type, f"parameter '{p.name}'", p.default.span)
        else:
            raise TypeError_(f"{bdef.name}() is missing the argument '{p.name}'", call.span,
                             hint=f"{bdef.name}({', '.join(names)})")
    return values
