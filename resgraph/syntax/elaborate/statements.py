"""AST → IR: bind parameters, expand loops and conditionals, instantiate blocks, name every layer.

The Elaborator walks a model's statements; each statement is dispatched by its AST class to
`visit_<Class>` (Lark's habit of rule-named methods). Chains are built by chains.py, names given
by names.py, values used before their line resolved by forward.py, and every loop and layer
counted by budget.py. Each statement is elaborated on its own: an error is recorded and the names
it would bind are marked failed (failures.py), so that later uses do not repeat the error.
"""

from __future__ import annotations

from typing import Any

from ...errors import (
    Diagnostic, Span, GraphError, LimitError, NameError_, ResgraphError, SyntaxError_, TypeError_, UsageError,
)
from ...ir import Graph, ops
from .. import ast
from ..values import Env, show, type_name
from .budget import Budget, loop_items
from .chains import ChainElaborator
from .failures import ALREADY_FAILED, AlreadyFailed, ErrorLog, TooManyErrors
from .forward import ForwardRefs
from .frames import UNKNOWN, Frame, Several, Unit
from .names import NameRegistry, local_name
from .params import bind_model_params, resolve_model


class Elaborator:
    """Elaborates one model into `graph`; `errors()` lists what went wrong, `root` is the model
    with the body and its file (for the printer)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.log = ErrorLog()
        self.budget = Budget(graph)
        self.names = NameRegistry(graph)
        self.refs = ForwardRefs(graph, self.budget, self.log)
        self.chains = ChainElaborator(self.names, self.refs, self.budget, self.body)

    def model(self, model: ast.ModelDef, unit: Unit, params: dict[str, Any], input_shape) -> None:
        g = self.graph
        derived = model
        model, unit, defaults = resolve_model(model, unit)
        self.root = (model, unit)
        values = bind_model_params(model, params, defaults, derived)
        g.params = dict(values)
        frame = Frame("", unit, None)
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.inputs_seen = 0
        try:
            self.body(frame, Env(dict(values)), model.body, True)
        except TooManyErrors:
            self.log.stopped = True
            return
        self.refs.close(frame)
        self.refs.connect_deferred()
        out = frame.values.get("out")
        if out is None:
            self.log.diags.error(GraphError, f"model '{model.name}' binds no out", model.span,
                                 hint="bind the model's result: out = ... -> fc: linear(num_classes)")
        elif out is not ALREADY_FAILED:
            target = self.refs.deref(out)
            if target is not None:
                g.set_output(target)

    def errors(self) -> list[Diagnostic]:
        return self.log.errors()

    # -- statements ----------------------------------------------------------------------------
    def body(self, frame: Frame, env: Env, stmts: list, in_model: bool) -> None:
        """Elaborate statements one by one; a failed one is recorded and its names marked failed."""
        for st in stmts:
            self.budget.step(st.span)
            try:
                visit = getattr(self, f"visit_{type(st).__name__}", self.visit_default)
                visit(frame, env, st, in_model)
            except AlreadyFailed:
                self.fail_targets(frame, env, st)
            except LimitError:
                raise
            except RecursionError:  # an expression like 1 + 1 + ... nested past Python's stack
                raise LimitError("this statement nests too deeply to evaluate", st.span,
                                 hint="split it with let bindings") from None
            except ResgraphError as exc:
                self.fail_targets(frame, env, st)
                self.log.record(exc)

    def fail_targets(self, frame: Frame, env: Env, st) -> None:
        """Mark what a failed statement would have bound, so that its readers fail quietly."""
        if isinstance(st, ast.Bind):
            for target in st.targets:
                try:
                    frame.fail(local_name(env, target))
                except ResgraphError:
                    frame.names_lost = True
        elif isinstance(st, (ast.If, ast.For)):
            frame.names_lost = True

    def visit_Bind(self, frame: Frame, env: Env, st: ast.Bind, in_model: bool) -> None:
        names = []
        for target in st.targets:
            name = local_name(env, target)
            if name == "in":
                raise NameError_("'in' is the block's input and cannot be rebound", target.span)
            if name in frame.values or name in names:
                where = frame.bound_at.get(name)
                raise NameError_(
                    f"'{name}' is bound twice" + (f" (first on line {where.line})" if where else ""),
                    target.span,
                    hint="inside a loop, use a name template: h{i} = ...",
                )
            names.append(name)
        for name, target in zip(names, st.targets):
            frame.bound_at[name] = target.span
        final = frame.path(names[0]) if len(names) == 1 else None  # several: the instance keeps its own name
        if isinstance(st.chain, ast.Outputs):
            value = self.chains.outputs(frame, env, st.chain)
        else:
            value = self.chains.chain(frame, env, st.chain, None, final, None)
        if value is UNKNOWN:
            raise AlreadyFailed()  # an unknown op in the chain, reported where it was written
        for name, v in zip(names, destructure(value, names, st, in_model)):
            frame.values[name] = v

    def visit_Let(self, frame: Frame, env: Env, st: ast.Let, in_model: bool) -> None:
        if st.name in env.vars:
            raise NameError_(f"'{st.name}' is already bound in this scope", st.span,
                             hint="choose another name")
        env.vars[st.name] = self.refs.evaluator(frame, env)(st.value)

    def visit_If(self, frame: Frame, env: Env, st: ast.If, in_model: bool) -> None:
        ev = self.refs.evaluator(frame, env)
        for cond, body in st.branches:
            if ev.condition(cond):
                self.body(frame, env, body, in_model)
                return
        if st.orelse is not None:
            self.body(frame, env, st.orelse, in_model)

    def visit_For(self, frame: Frame, env: Env, st: ast.For, in_model: bool) -> None:
        items = loop_items(self.refs.evaluator(frame, env), st.iter)
        self.budget.repeat(len(items), st.span, lambda k: self.body(
            frame, Env({st.var: items[k]}, env), st.body, in_model))

    def visit_Input(self, frame: Frame, env: Env, st: ast.Input, in_model: bool) -> None:
        if not in_model:
            raise SyntaxError_("'input' declares a model's input; a block reads its input as 'in'",
                               st.span)
        ev = self.refs.evaluator(frame, env)
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
        if frame.binds(st.name):
            raise NameError_(f"'{st.name}' is bound twice", st.span)
        attrs = ops.get("input").bind([tuple(dims)], {}, st.span)
        path = self.names.claim(frame.path(st.name), st.span)
        self.refs.add_layer(path, "input", attrs, st.span)
        frame.values[st.name] = path
        frame.bound_at[st.name] = st.span

    def visit_Option(self, frame: Frame, env: Env, st: ast.Option, in_model: bool) -> None:
        if not in_model:
            raise SyntaxError_("'option' is a model setting; move it into the model", st.span)
        self.graph.options[st.name] = self.refs.evaluator(frame, env)(st.value)

    def visit_default(self, frame: Frame, env: Env, st, in_model: bool) -> None:  # pragma: no cover
        raise TypeError_("unknown statement", st.span)  # the parser produces no other statements


def destructure(value, names: list[str], st: ast.Bind, in_model: bool) -> list:
    """The values a binding gives its names: one, or a block's outputs, one per name."""
    several = value if isinstance(value, Several) else None
    targets = Span(st.target.span.source, st.target.span.line, st.target.span.col,
                   st.targets[-1].span.end_line, st.targets[-1].span.end_col)
    if len(names) == 1:
        if several is None or (names[0] == "out" and not in_model):
            return [value]  # a block's `out` may hold several outputs: its caller destructures them
        if names[0] == "out":
            raise TypeError_(f"a model has one output; this out holds {len(several.values)}", st.target.span,
                             hint=f"bind out to one of them: out = {several.names[0]} -> ...")
        what = f"block '{several.block}' gives" if several.block else "these are"
        raise TypeError_(f"{what} {len(several.values)} outputs; '{names[0]}' names one", st.target.span,
                         hint=f"destructure them: {', '.join(several.names)} = ..."
                         + ("" if several.block else "; only a block's out holds several"))
    if several is None:
        raise TypeError_(f"{len(names)} names are bound, but the chain gives one value", targets,
                         hint=f"bind one name: {names[0]} = ..., or end the chain in a block with "
                         "several outputs")
    if len(several.values) != len(names):
        where = f"block '{several.block}'" if several.block else "it"
        raise TypeError_(f"{len(names)} names are bound, but {where} gives {len(several.values)} outputs "
                         f"({', '.join(several.names)})", targets,
                         hint=f"bind one name per output: {', '.join(several.names)} = ...")
    return list(several.values)
