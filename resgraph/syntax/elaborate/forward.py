"""Forward references: values used before the line that binds them, and size queries like x.channels.

A reference to a name not bound yet is a `Pending` that is resolved when its scope ends; the
edges that read it are connected at the end. A size query needs the layer and everything it
depends on now: it connects the waiting edges among the layer's ancestors whose names are bound
by then (a block instance's names are, once it ends), and refuses a layer whose inputs are still
unbound.

A dotted name (`layer3.5.conv2`, `layer3.5.out`) addresses a layer, or a name bound inside a block
instance, below the current namespace: it resolves as soon as that instance exists, and a use
before its line waits for the end of the scope like any other name.
"""

from __future__ import annotations

from typing import Callable

import networkx as nx

from ...errors import CycleError, NameError_, Span, TypeError_, did_you_mean
from ...ir import Graph, ops
from .. import ast
from ..values import Env, Evaluator, show, type_name
from .budget import MAX_ERRORS, Budget
from .failures import ALREADY_FAILED, AlreadyFailed, ErrorLog
from .frames import UNKNOWN, Frame, Pending, Several, Value
from .names import template_name

SIZES = ("channels", "height", "width")


class ForwardRefs:
    """Looks names up (pending when not bound yet), adds layers, and connects pending edges last."""

    def __init__(self, graph: Graph, budget: Budget, log: ErrorLog):
        self.graph = graph
        self.budget = budget
        self.log = log
        self.deferred: dict[str, list[tuple[Pending, int]]] = {}  # layer -> its pending operands, by index
        self.exports: dict[str, Value] = {}  # `inst.name` -> what a block instance's `name` holds

    def export(self, prefix: str, frame: Frame) -> None:
        """Make the names a block instance bound addressable from outside as `prefix.name`."""
        for name, v in frame.values.items():
            if v is not ALREADY_FAILED and v is not UNKNOWN:
                self.exports[f"{prefix}.{name}"] = v

    def address(self, frame: Frame, name: str) -> Value | None:
        """What a dotted name below the frame holds now: a block instance's name, or a layer."""
        if "." not in name:
            return None
        path = frame.path(name)
        found = self.exports.get(path)
        if found is not None:
            return found
        return path if path in self.graph.nx else None

    def value(self, frame: Frame, name: str, span: Span) -> Value:
        if name == "in":
            if frame.input is None:
                raise NameError_("'in' is a block's input; a model starts from its input", span,
                                 hint="declare it with input x[3, 224, 224] and start from x")
            return frame.input
        v = frame.values.get(name)
        if v is None:
            v = self.address(frame, name)
        if v is ALREADY_FAILED:
            raise AlreadyFailed()
        if isinstance(v, Several):
            raise TypeError_(f"'{name}' holds {len(v.values)} outputs ({', '.join(v.names)}); a chain "
                             "or merge reads one", span,
                             hint=f"destructure them: {', '.join(v.names)} = ..., or read one by its name")
        if v is not None:
            return v
        p = Pending(name, span, frame)
        frame.pendings.append(p)
        return p

    def close(self, frame: Frame) -> None:
        """Resolve the names this scope used before binding them."""
        reported = 0  # past MAX_ERRORS + 1 (which makes the list say it stopped) none would be shown
        for p in frame.pendings:
            v = frame.values.get(p.name)
            if v is None:
                v = self.address(frame, p.name)
            if isinstance(v, Several):
                self.log.diags.error(TypeError_, f"'{p.name}' holds {len(v.values)} outputs; a chain or "
                                     "merge reads one", p.span, hint=f"read one by its name: {', '.join(v.names)}")
                v = ALREADY_FAILED
            if v is None or v is ALREADY_FAILED:
                p.target = ALREADY_FAILED
                if v is None and not frame.names_lost and reported <= MAX_ERRORS:
                    reported += 1
                    self.log.diags.error(NameError_, f"undefined name '{p.name}'", p.span,
                                         hint=did_you_mean(p.name, frame.bound_names())
                                         or self.path_hint(frame, p.name) or _undefined_hint(frame, p.name))
            else:
                p.target = v

    def path_hint(self, frame: Frame, name: str) -> str | None:
        """For a misspelt dotted name: the nearest layer or block-instance name below the frame."""
        if "." not in name:
            return None
        cut = len(frame.prefix) + 1 if frame.prefix else 0
        below = [p[cut:] for p in (*self.graph.nx, *self.exports) if p.startswith(frame.prefix)]
        return did_you_mean(name, below) or (None if name.rpartition(".")[0] in below else
                                             f"no layer or block instance is named '{name.rpartition('.')[0]}'")

    def deref(self, v: Value) -> str | None:
        """The layer a value ends in, following pending names; None when one failed."""
        seen = set()
        while isinstance(v, Pending):
            if v.target is ALREADY_FAILED:
                return None
            if id(v) in seen:
                self.log.diags.error(CycleError, f"'{v.name}' is bound to itself", v.span,
                                     hint="a name must end in a layer or an input")
                v.target = ALREADY_FAILED
                return None
            seen.add(id(v))
            v = v.target
        return v

    def add_layer(self, path: str, op: str, attrs, span: Span, operands: list[Value] = (),
                  names: list[str] | None = None) -> None:
        """Add a node; an edge from a pending operand waits for `connect_deferred`."""
        g = self.graph
        self.budget.add_layer(len(operands), span)
        g.add_node(path, op, attrs, (), span)
        if names is not None:
            g.nx.nodes[path]["operand_names"] = names
        if any(isinstance(v, Pending) for v in operands):
            for i, v in enumerate(operands):
                if isinstance(v, Pending):
                    self.deferred.setdefault(path, []).append((v, i))
                else:
                    g.connect(v, path, i)
        else:
            g.connect_all(operands, path)

    def connect_deferred(self) -> None:
        for dst, waiting in self.deferred.items():
            for p, index in waiting:
                src = self.deref(p)
                if src is not None:
                    self.graph.connect(src, dst, index)
        self.deferred.clear()

    def bound_now(self, v: Value) -> Value:
        """The layer a value ends in if every name on the way is bound by now; None if one is not
        yet, ALREADY_FAILED if one failed. Sets the targets it finds (the same ones `close` would)."""
        seen = set()
        while isinstance(v, Pending):
            if v.target is None:
                found = v.frame.values.get(v.name) or self.address(v.frame, v.name)
                if found is None:
                    return None
                if not isinstance(found, (str, Pending)):
                    return ALREADY_FAILED  # failed, or several outputs: reported where bound or at close
                v.target = found
            if v.target is ALREADY_FAILED or id(v) in seen:
                return ALREADY_FAILED  # a name bound to itself is reported when the model ends
            seen.add(id(v))
            v = v.target
        return v

    def settle(self, node: str) -> bool:
        """Connect the waiting in-edges of `node` and its ancestors whose names are bound by now;
        False while one of them is still unbound. Raises AlreadyFailed when one failed."""
        while True:
            waiting = [n for n in (nx.ancestors(self.graph.nx, node) | {node}) if n in self.deferred]
            if not waiting:
                return True
            progress = False
            for dst in sorted(waiting):
                still = []
                for p, index in self.deferred.pop(dst):  # taken first: an error here is never repeated
                    src = self.bound_now(p)
                    if src is ALREADY_FAILED:
                        raise AlreadyFailed()
                    if src is None:
                        still.append((p, index))
                    else:
                        self.graph.connect(src, dst, index)
                        progress = True
                if still:
                    self.deferred[dst] = still
            if not progress:
                return False

    # -- sizes and numbers ---------------------------------------------------------------------
    def evaluator(self, frame: Frame, env: Env) -> Evaluator:
        """An evaluator that reads layer sizes and explains a layer name used as a number."""
        def unknown(e: ast.Name):
            if e.id == "in" or frame.binds(e.id):
                raise TypeError_(f"'{e.id}' is a layer, not a number", e.span,
                                 hint=f"read its size: {e.id}.channels")
            raise NameError_(f"undefined name '{e.id}'", e.span, hint=did_you_mean(e.id, env.names()) or
                             "a number is a parameter, a let, a loop variable or a repetition index (* n by i)")

        return Evaluator(env, self.size_reader(frame, env), unknown)

    def size_reader(self, frame: Frame, env: Env) -> Callable[[ast.Attr], int]:
        def sizes(e: ast.Attr):
            target = e.value
            if isinstance(target, ast.Name):
                found, var = env.lookup(target.id)
                if found:
                    raise TypeError_(f"'{target.id}' is {type_name(var)} {show(var)}; it has no .{e.attr}",
                                     e.span, hint=".channels, .height and .width read the size of a layer")
                name = target.id
            elif isinstance(target, ast.Template):
                name = template_name(env, target)
            else:
                raise TypeError_(f".{e.attr} reads the size of a named layer, e.g. in.{e.attr}", e.span)
            return self.size(frame, name, e.attr, e.span)

        return sizes

    def size(self, frame: Frame, name: str, attr: str, span: Span) -> int:
        """`name.attr`: inferred now, so everything the layer depends on must be bound already."""
        if attr not in SIZES and frame.binds(f"{name}.{attr}"):
            raise TypeError_(f"'{name}.{attr}' is a layer, not a number", span,
                             hint=f"read its size: {name}.{attr}.channels")
        if attr not in SIZES:
            raise NameError_(f"a layer has no size '.{attr}'", span,
                             hint=did_you_mean(attr, SIZES) or "sizes are .channels, .height and .width")
        v = self.value(frame, name, span)
        node = self.deref(v) if not isinstance(v, Pending) or v.target is not None else None
        if node is None:
            raise NameError_(f"'{name}.{attr}' is read before '{name}' is bound", span,
                             hint=f"move the line that binds '{name}' above this one")
        if self.deferred and not self.settle(node):
            raise NameError_(f"the size of '{name}' depends on a name bound later", span,
                             hint="move the lines it depends on above this one")
        t = self.graph.infer(node)
        if t is None:
            raise AlreadyFailed()
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


def _undefined_hint(frame: Frame, name: str) -> str | None:
    if ops.is_op(name) or name in frame.unit.blocks:
        return f"'{name}' is a layer; a chain starts from a value: x -> {name}"
    return None
