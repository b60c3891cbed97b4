"""Parameter binding: a model's parameters and a block call's arguments, by one rule.

A value given by the caller wins, then a derived model's new default, then the parameter's own
default (evaluated with the parameters bound before it); each is coerced to the declared type.
A block parameter of type `tensor` is a value of the caller's graph, not a number: see bind_args.
"""

from __future__ import annotations

from typing import Any, Callable

from ...errors import NameError_, ResgraphError, Span, TypeError_, did_you_mean
from .. import ast
from ..values import Env, Evaluator, check_type_name, coerce
from .frames import Unit

TENSOR = "tensor"  # a block parameter of this type is an extra input: the caller passes a value's name
Given = dict[str, tuple[Any, Span]]  # parameter name -> (value, where it was written)


def bind_params(params: list[ast.Param], given: Given, given_as: str, defaults: Given,
                missing: Callable[[ast.Param], ResgraphError]) -> dict[str, Any]:
    """Every parameter's value, in declaration order; `given_as` names a given value in errors."""
    values: dict[str, Any] = {}
    ev = Evaluator(Env(values))
    for p in params:
        check_type_name(p.type, p.span)
        if p.name in given:
            value, span = given[p.name]
            values[p.name] = coerce(value, p.type, f"{given_as} '{p.name}'", span)
        elif p.name in defaults:
            value, span = defaults[p.name]
            values[p.name] = coerce(value, p.type, f"parameter '{p.name}'", span)
        elif p.default is not None:
            values[p.name] = coerce(ev(p.default), p.type, f"parameter '{p.name}'", p.default.span)
        else:
            raise missing(p)
    return values


def resolve_model(model: ast.ModelDef, unit: Unit) -> tuple[ast.ModelDef, Unit, Given]:
    """Follow `model b = a(k=v)` down to the model with a body; the nearest new default wins."""
    defaults: Given = {}
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


def bind_model_params(model: ast.ModelDef, given: dict[str, Any], defaults: Given,
                      derived: ast.ModelDef) -> dict[str, Any]:
    """Model parameter values: the caller's, else defaults (a derived model's first), type-checked."""
    names = [p.name for p in model.params]
    for key in given:
        if key not in names:
            raise NameError_(f"model '{derived.name}' has no parameter '{key}'", derived.span,
                             hint=did_you_mean(key, names) or
                             (f"its parameters are: {', '.join(names)}" if names else "it takes no parameters"))

    def missing(p: ast.Param) -> ResgraphError:
        return TypeError_(f"model parameter '{p.name}' has no default and no value was given", p.span,
                          hint=f"pass it: -p {p.name}=VALUE, or load(..., {p.name}=VALUE)")

    at_params = {p.name: (given[p.name], p.span) for p in model.params if p.name in given}
    return bind_params(model.params, at_params, "model parameter", defaults, missing)


TensorReader = Callable[[ast.Expr, ast.BlockDef, str], Any]  # a `tensor` argument -> the caller's value


def bind_args(bdef: ast.BlockDef, call: ast.Call, ev: Evaluator,
              tensor: TensorReader) -> tuple[dict[str, Any], dict[str, tuple[Any, Span]]]:
    """A block call's arguments bound to its parameters (positional, keywords, defaults): the
    compile-time values, and the values of its `tensor` parameters (extra inputs, read by name)."""
    params = bdef.params
    names = [p.name for p in params]
    signature = f"{bdef.name}({', '.join(names)})"
    if len(call.args) > len(params):
        raise TypeError_(f"{bdef.name}() takes at most {len(params)} argument(s), got {len(call.args)}",
                         call.span, hint=signature)
    kinds = {p.name: p.type for p in params}
    given: Given = {}
    tensors: dict[str, tuple[Any, Span]] = {}

    def take(name: str, e: ast.Expr, span: Span) -> None:
        if kinds[name] == TENSOR:
            tensors[name] = (tensor(e, bdef, name), span)
        else:
            given[name] = (ev(e), span)

    for p, a in zip(params, call.args):
        take(p.name, a, a.span)
    for kw in call.kwargs:
        if kw.name not in names:
            raise NameError_(f"{bdef.name}() has no parameter '{kw.name}'", kw.span,
                             hint=did_you_mean(kw.name, names) or signature)
        if kw.name in given or kw.name in tensors:
            raise TypeError_(f"{bdef.name}() got '{kw.name}' twice", kw.span)
        take(kw.name, kw.value, kw.span)

    def missing(p: ast.Param) -> ResgraphError:
        return TypeError_(f"{bdef.name}() is missing the argument '{p.name}'", call.span, hint=signature)

    for p in params:
        if p.type == TENSOR and p.name not in tensors:
            if p.default is not None:
                raise TypeError_(f"tensor parameter '{p.name}' cannot have a default", p.default.span,
                                 hint="a tensor is passed by the caller: remove the default")
            raise missing(p)
    plain = [p for p in params if p.type != TENSOR]
    return bind_params(plain, given, f"{bdef.name}() parameter", {}, missing), tensors
