"""Chains: `x -> conv(64, 3) -> [a: relu] * 2 -> block(...)`, element by element, each element
an op, a merge, a group, a conditional or a block instance.

A chain's item is dispatched by its AST class to `start_<Class>` (the chain's first element) or
`apply_<Class>` (an element fed the value flowing in), in the manner of Lark's rule-named methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ...errors import (
    GraphError, LimitError, NameError_, ResgraphError, Span, SyntaxError_, TypeError_, did_you_mean,
)
from ...ir import ops
from .. import ast
from ..values import Env, Evaluator, show, type_name
from .budget import MAX_DEPTH, MAX_OPERANDS, Budget
from .failures import ALREADY_FAILED, AlreadyFailed
from .forward import SIZES, ForwardRefs
from .frames import UNKNOWN, Frame, Several, Value
from .names import GroupNumbering, NameRegistry, label_base, local_name, template_name, template_names
from .params import bind_args

RunBody = Callable[[Frame, Env, list, bool], None]  # elaborates a block's statements


@dataclass(frozen=True)
class Flow:
    """The value flowing along a chain, and the name an operand list shows for it (None: its path)."""

    value: Value
    shown: str | None


NOTHING = Flow(None, None)  # what flows into a merge that starts a chain


class ChainElaborator:
    """Builds the layers of chains; a block instance runs the block's body through `run_body`."""

    def __init__(self, names: NameRegistry, refs: ForwardRefs, budget: Budget, run_body: RunBody):
        self.names = names
        self.refs = refs
        self.budget = budget
        self.run_body = run_body
        self.open_blocks: list[str] = []  # the blocks being instantiated, outermost first

    def chain(self, frame: Frame, env: Env, chain: ast.Chain, incoming: Value | None,
              final: str | None, group: GroupNumbering | None) -> Value:
        """Elaborate a chain; `final` names its last unnamed element, `group` numbers elements."""
        elements = chain.elements
        start = 0
        if incoming is None:
            flow = self.start(frame, env, elements[0], final if len(elements) == 1 else None)
            start = 1
        else:
            flow = Flow(incoming, None)
        for k in range(start, len(elements)):
            el = elements[k]
            self.budget.step(el.span)
            if isinstance(flow.value, Several):
                raise self.several_flow(flow.value, el.span)
            last = k == len(elements) - 1
            flow = self.element(frame, env, el, flow, final if last else None, group)
        return flow.value

    def outputs(self, frame: Frame, env: Env, item: ast.Outputs) -> Several:
        """`(res, dense)`: the values a block gives its caller, by the names it binds them to."""
        values, names = [], []
        for target in item.names:
            name = local_name(env, target)
            values.append(self.refs.value(frame, name, target.span))
            names.append(name)
        return Several(tuple(values), tuple(names))

    @staticmethod
    def several_flow(several: Several, span: Span) -> TypeError_:
        names = ", ".join(several.names)
        if several.block is None:
            return TypeError_(f"({names}) are several values; a chain carries one", span,
                              hint="a block's outputs are written alone: out = (" + names + ")")
        return TypeError_(f"block '{several.block}' gives {len(several.values)} outputs; a chain "
                          "carries one", span,
                          hint=f"destructure them first: {names} = x -> {several.block}(...), then go on from one")

    # -- the first element ---------------------------------------------------------------------
    def start(self, frame: Frame, env: Env, el: ast.Element, final: str | None) -> Flow:
        """The start of a chain: a value, a merge, or a conditional whose branches start from values."""
        start = getattr(self, f"start_{type(el.item).__name__}", self.start_default)
        return start(frame, env, el, final)

    def start_ChainIf(self, frame: Frame, env: Env, el: ast.Element, final: str | None) -> Flow:
        if el.label is not None or el.count is not None:
            return self.start_default(frame, env, el, final)
        chosen = self.choose_branch(frame, env, el.item)
        if chosen is None:
            raise SyntaxError_("a conditional at the start of a chain needs an else branch",
                               el.item.span, hint="if c { x -> a } else { x }")
        return Flow(self.chain(frame, env, chosen, None, final, None), None)

    def start_TemplateRef(self, frame: Frame, env: Env, el: ast.Element, final: str | None) -> Flow:
        if el.label is not None or el.count is not None:
            return self.start_default(frame, env, el, final)
        name = template_name(env, el.item.template)
        return Flow(self.refs.value(frame, name, el.item.span), name)

    def start_Call(self, frame: Frame, env: Env, el: ast.Element, final: str | None) -> Flow:
        item = el.item
        if not item.parens and el.label is None and el.count is None:
            if item.name == "in" or frame.binds(item.name) or not self.is_callable(frame, item.name):
                return Flow(self.refs.value(frame, item.name, item.span), item.name)
        if self.is_merge(frame, item.name) or not self.is_callable(frame, item.name):
            return self.element(frame, env, el, NOTHING, final, None)  # a merge, or an unknown op
        raise SyntaxError_(f"a chain starts from a value, but '{item.name}' is a layer", item.span,
                           hint=f"feed it a value: x -> {item.name}" + ("(...)" if item.parens else ""))

    def start_default(self, frame: Frame, env: Env, el: ast.Element, final: str | None) -> Flow:
        raise SyntaxError_("a chain starts from a value (a name, in, or a merge)", el.span,
                           hint="e.g. out = x -> conv(64, 3)")

    # -- elements ------------------------------------------------------------------------------
    def element(self, frame: Frame, env: Env, el: ast.Element, incoming: Flow,
                final: str | None, group: GroupNumbering | None) -> Flow:
        """One element: its item once, or `* n` times; named by its label, `final` or its position."""
        path = final
        if el.label is not None:
            base = label_base(group, frame)
            label = self.outside_index(el, "its label", lambda: local_name(env, el.label))
            path = f"{base}.{label}" if base else label
        if el.count is None:
            if group is not None:
                position = group.take()
                path = path if path is not None else position
            return self.apply(frame, env, el.item, incoming, path)
        if el.index is not None and env.lookup(el.index)[0]:
            raise NameError_(f"'{el.index}' is already bound here; the repetition index needs a new name",
                             el.count.span, hint="e.g. * n by k")
        n = self.outside_index(el, "its count", lambda: Evaluator(env, self.refs.size_reader(frame, env))(el.count))
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise TypeError_(f"a repetition count must be an int >= 0, got {type_name(n)} {show(n)}",
                             el.count.span)
        if path is not None:
            self.names.claim(path, el.span)
            if n:
                self.names.add_scope(path, "repeat", None, {}, el.span)
            if group is not None:
                group.take()
            def round_path(k: int) -> str:
                return f"{path}.{k}"
        elif group is not None:
            def round_path(k: int) -> str:
                return group.take()
        else:
            def round_path(k: int) -> None:
                return None
        flow = incoming

        def one_round(k: int) -> None:
            nonlocal flow
            if isinstance(flow.value, Several):
                raise TypeError_(f"block '{flow.value.block}' gives {len(flow.value.values)} outputs; a "
                                 "repetition feeds one round's output into the next", el.span,
                                 hint="repeat a block with one output, or write the rounds out: "
                                 f"{', '.join(flow.value.names)} = x -> {flow.value.block}(...)")
            round_env = Env({el.index: k}, env) if el.index is not None else env
            flow = self.apply(frame, round_env, el.item, flow, round_path(k))

        self.budget.repeat(n, el.span, one_round)
        return flow

    @staticmethod
    def outside_index(el: ast.Element, what: str, evaluate: Callable[[], Any]) -> Any:
        """Evaluate a label or count, saying so when it reads the repetition index it cannot see."""
        try:
            return evaluate()
        except NameError_ as exc:
            if el.index is None or exc.message != f"undefined name '{el.index}'":
                raise
            hint = (f"the rounds are named by number inside the label: `stages: block(...) * n by "
                    f"{el.index}` makes stages.0, stages.1, ..." if what == "its label" else
                    "the count is evaluated once, before the rounds")
            raise NameError_(f"the repetition index '{el.index}' is seen by the repeated element, not by "
                             f"{what}", exc.span, hint=hint) from None

    def apply(self, frame: Frame, env: Env, item, incoming: Flow, path: str | None) -> Flow:
        """Feed `incoming` through one item named `path` (None: a fresh name)."""
        return getattr(self, f"apply_{type(item).__name__}")(frame, env, item, incoming, path)

    def apply_Group(self, frame: Frame, env: Env, item: ast.Group, incoming: Flow, path: str | None) -> Flow:
        if path is None:
            return Flow(self.chain(frame, env, item.chain, incoming.value, None, None), incoming.shown)
        self.names.add_scope(self.names.claim(path, item.span), "group", None, {}, item.span)
        return Flow(self.chain(frame, env, item.chain, incoming.value, None, GroupNumbering(path)), path)

    def apply_ChainIf(self, frame: Frame, env: Env, item: ast.ChainIf, incoming: Flow,
                      path: str | None) -> Flow:
        chosen = self.choose_branch(frame, env, item)
        if chosen is None:
            return incoming
        return Flow(self.chain(frame, env, chosen, incoming.value, path, None), path or incoming.shown)

    def apply_TemplateRef(self, frame: Frame, env: Env, item: ast.TemplateRef, incoming: Flow,
                          path: str | None) -> Flow:
        raise SyntaxError_("a value name in the middle of a chain", item.span,
                           hint="merge it instead: -> concat(...) or -> add(...)")

    def apply_Call(self, frame: Frame, env: Env, item: ast.Call, incoming: Flow,
                   path: str | None) -> Flow:
        name = item.name
        block = frame.unit.blocks.get(name)
        if incoming.value is UNKNOWN:
            return self.check_after_unknown(frame, env, item, incoming)
        if block is not None:
            path = path or self.names.fresh(frame, name)
            return Flow(self.instantiate(frame, env, item, block, incoming.value, path), path)
        if not ops.is_op(name):
            if frame.binds(name) or name == "in":
                raise SyntaxError_(f"'{name}' is a value, not a layer", item.span,
                                   hint=f"to merge it, write add({name}) or concat({name})")
            self.refs.log.record(self.unknown_op(frame, item))
            return Flow(UNKNOWN, None)  # the rest of the chain is still checked
        opdef = ops.get(name, item.span)
        try:
            attrs, operands, names = self.bind_call(frame, env, item, opdef, incoming)
        except LimitError:
            raise
        except AlreadyFailed:  # an operand's error, already reported
            return Flow(UNKNOWN, None)
        except ResgraphError as exc:  # as after an unknown op, the rest of the chain is still checked
            self.refs.log.record(exc)
            return Flow(UNKNOWN, None)
        path = self.names.claim(path or self.names.fresh(frame, opdef.name), item.span)
        self.refs.add_layer(path, opdef.name, attrs, item.span, operands, names)
        return Flow(path, path)

    def bind_call(self, frame: Frame, env: Env, item: ast.Call, opdef, incoming: Flow):
        """An op call's attributes, operands and the operand names to show."""
        ev = self.refs.evaluator(frame, env)
        kwargs = {k.name: ev(k.value) for k in item.kwargs}
        if opdef.operands == "names":
            operands, names = self.operands(frame, env, item, incoming)
            count = len(operands)
            if count < opdef.min_inputs or (opdef.max_inputs is not None and count > opdef.max_inputs):
                raise TypeError_(f"{opdef.name}() takes at least {opdef.min_inputs} operands, got {count}",
                                 item.span, hint=f"e.g. {opdef.name}(f, s)")
            return opdef.bind([], kwargs, item.span), operands, names
        if opdef.max_inputs == 0:
            raise SyntaxError_(f"'{opdef.name}' cannot be used in a chain", item.span)
        return opdef.bind([ev(a) for a in item.args], kwargs, item.span), [incoming.value], None

    @staticmethod
    def unknown_op(frame: Frame, item: ast.Call) -> NameError_:
        return NameError_(f"unknown op or block '{item.name}'", item.span,
                          hint=did_you_mean(item.name, [*ops.names(aliases=True), *frame.unit.blocks])
                          or f"define it with block {item.name}(...) {{ ... }}, or see the ops in docs/language.md")

    def check_after_unknown(self, frame: Frame, env: Env, item: ast.Call, incoming: Flow) -> Flow:
        """An element after an unknown op: its input's type is unknown, so only what does not need
        it is checked (the op's name, its arguments, a merge's operand names) and nothing is built.
        Each error is recorded, and the chain goes on."""
        try:
            block = frame.unit.blocks.get(item.name)
            if block is not None:
                bind_args(block[0], item, self.refs.evaluator(frame, env), self.tensor_reader(frame, env))
            elif not ops.is_op(item.name):
                raise self.unknown_op(frame, item)
            else:
                opdef = ops.get(item.name, item.span)
                ev = self.refs.evaluator(frame, env)
                kwargs = {k.name: ev(k.value) for k in item.kwargs}
                if opdef.operands == "names":
                    self.operands(frame, env, item, NOTHING)
                    opdef.bind([], kwargs, item.span)
                else:
                    opdef.bind([ev(a) for a in item.args], kwargs, item.span)
        except AlreadyFailed:
            pass
        except LimitError:
            raise
        except ResgraphError as exc:
            self.refs.log.record(exc)
        return incoming

    def choose_branch(self, frame: Frame, env: Env, item: ast.ChainIf) -> ast.Chain | None:
        ev = self.refs.evaluator(frame, env)
        for cond, chain in item.branches:
            if ev.condition(cond):
                return chain
        return item.orelse

    # -- merges --------------------------------------------------------------------------------
    def operands(self, frame: Frame, env: Env, call: ast.Call,
                 incoming: Flow) -> tuple[list[Value], list[str]]:
        """A merge's operands: the value flowing in, then the named ones; and the names to show."""
        values, names = [], []
        if incoming.value is not None:
            values.append(incoming.value)
            names.append(incoming.shown or str(incoming.value))
        failed = False
        for arg in call.args:
            pairs = self.operand_names(env, arg)
            if len(values) + len(pairs) > MAX_OPERANDS:
                raise LimitError(f"{call.name}() with more than {MAX_OPERANDS} operands", call.span)
            for name, span in pairs:
                try:  # look at every operand, so that an undefined one is reported too
                    values.append(self.refs.value(frame, name, span))
                except AlreadyFailed:
                    failed = True
                names.append(name)
        if failed:
            raise AlreadyFailed()
        return values, names

    def operand_names(self, env: Env, arg) -> list[tuple[str, Span]]:
        if isinstance(arg, ast.Name):
            return [(arg.id, arg.span)]
        if isinstance(arg, ast.Template):
            return [(n, arg.span) for n in template_names(env, arg)]
        if isinstance(arg, ast.ListExpr):
            return [pair for item in arg.items for pair in self.operand_names(env, item)]
        raise TypeError_("an operand of a merge is the name of a value", arg.span,
                         hint="add(f, s), concat(in, h{1..i})")

    # -- blocks --------------------------------------------------------------------------------
    def instantiate(self, frame: Frame, env: Env, call: ast.Call, block, incoming: Value,
                    path: str) -> Value:
        """A block instance: its body in a new frame named `path`; its value is the block's `out`."""
        bdef, unit = block
        if bdef.name in self.open_blocks:
            raise LimitError(f"block '{bdef.name}' instantiates itself", call.span,
                             hint="blocks cannot be recursive; repeat with * n or a for loop")
        if len(self.open_blocks) >= MAX_DEPTH:
            raise LimitError(f"blocks nested more than {MAX_DEPTH} deep", call.span)
        args, tensors = bind_args(bdef, call, self.refs.evaluator(frame, env), self.tensor_reader(frame, env))
        path = self.names.claim(path, call.span)
        self.names.add_scope(path, "block", bdef.name, dict(args), call.span)
        inner = Frame(path, unit, incoming)
        declared = {p.name: p.span for p in bdef.params}
        for name, (value, _) in tensors.items():
            inner.values[name] = value
            inner.bound_at[name] = declared[name]  # "bound twice (first on line ...)" names the parameter
        self.open_blocks.append(bdef.name)
        try:
            self.run_body(inner, Env(args), bdef.body, False)
        finally:
            self.open_blocks.pop()
        self.refs.close(inner)
        self.refs.export(path, inner)
        out = inner.values.get("out")
        if out is ALREADY_FAILED or (out is None and inner.names_lost):
            raise AlreadyFailed()
        if out is None:
            raise GraphError(f"block '{bdef.name}' binds no out", bdef.span,
                             hint="bind the block's result: out = ...")
        if isinstance(out, Several):
            return Several(out.values, out.names, bdef.name)
        return out

    def tensor_reader(self, frame: Frame, env: Env):
        """How a block call reads an argument of type `tensor`: a value's name in the caller."""
        def read(e: ast.Expr, bdef: ast.BlockDef, param: str) -> Value:
            if isinstance(e, ast.Name) or (isinstance(e, ast.Template) and not e.is_range):
                name = local_name(env, e)
                if name != "in" and not frame.binds(name) and "." not in name and env.lookup(name)[0]:
                    raise TypeError_(f"{bdef.name}() parameter '{param}' is a tensor, but '{name}' is a "
                                     "number", e.span, hint=f"pass the name of a value: {bdef.name}(skip, ...)")
                owner, _, size = name.rpartition(".")
                if size in SIZES and not frame.binds(name) and self.refs.address(frame, name) is None:
                    raise TypeError_(f"{bdef.name}() parameter '{param}' is a tensor, but '{name}' is a size",
                                     e.span, hint=f"pass the value itself: {bdef.name}({owner}, ...)")
                return self.refs.value(frame, name, e.span)
            raise TypeError_(f"{bdef.name}() parameter '{param}' is a tensor: pass the name of a value",
                             e.span, hint=f"e.g. skip = x -> conv(64, 3), then {bdef.name}(skip, ...)")
        return read

    def is_callable(self, frame: Frame, name: str) -> bool:
        return ops.is_op(name) or name in frame.unit.blocks

    def is_merge(self, frame: Frame, name: str) -> bool:
        return name not in frame.unit.blocks and ops.is_op(name) and ops.get(name).operands == "names"
