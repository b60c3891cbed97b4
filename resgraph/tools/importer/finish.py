"""Calls as a person writes them: bodies are made with every attribute and argument spelled out
(so that instances compare literal for literal); this keeps what differs from the defaults, the
leading ones by position (`conv(64, 3, 2, bias=false)`, `bottleneck(64, 256, downsample=true)`)."""

from __future__ import annotations

from typing import Any

from ...ir.ops import get as get_op, is_op
from ...syntax import ast
from .blocks import Block


def shorten(node: Any, blocks: dict[str, Block]) -> Any:
    """The tree with each op and block call in its short form (a new tree; `node` is kept)."""
    if isinstance(node, ast.Call):
        if node.name in blocks:
            return _block_call(node, blocks[node.name])
        if node.parens and not node.args and is_op(node.name):
            return _op_call(node)
        return node
    if isinstance(node, ast.Element) and isinstance(node.count, ast.Literal) and node.count.value == 1:
        one = ast.Element(None, shorten(node.item, blocks), None, node.span)  # `* 1` as the group it was
        return ast.Element(node.label, ast.Group(ast.Chain([one], node.span), node.span), None, node.span)
    if isinstance(node, list):
        return [shorten(x, blocks) for x in node]
    if isinstance(node, tuple):
        return tuple(shorten(x, blocks) for x in node)
    if hasattr(node, "__dataclass_fields__") and not isinstance(node, type) and not _is_span(node):
        return type(node)(**{f: shorten(getattr(node, f), blocks) for f in node.__dataclass_fields__})
    return node


def _is_span(node: Any) -> bool:
    return type(node).__name__ in ("Span", "Source")


def _differs(expr: Any, default: Any, required: bool) -> bool:
    return required or not isinstance(expr, ast.Literal) or type(expr.value) is not type(default) \
        or expr.value != default


def _op_call(call: ast.Call) -> ast.Call:
    """Attributes that differ from their defaults; the leading ones by position, the kernel too
    (`conv(64, 3)`), as `to_rg` writes them."""
    fields = get_op(call.name).attrs.model_fields
    values = {kw.name: kw.value for kw in call.kwargs}
    explicit = [f for f, info in fields.items() if f in values
                and _differs(values[f], info.default, info.is_required())]
    names = list(fields)
    lead = [k for k, f in enumerate(names[:3]) if f in explicit]
    cut = lead[-1] + 1 if lead and lead[0] == 0 else 0
    if cut and "kernel" in names[:3]:
        cut = max(cut, names.index("kernel") + 1)
    args = [values[f] for f in names[:cut]]
    kwargs = [ast.Keyword(f, values[f], call.span) for f in names[cut:] if f in explicit]
    return ast.Call(call.name, args, kwargs, bool(args or kwargs), call.span)


def _block_call(call: ast.Call, block: Block) -> ast.Call:
    """Tensors first, then the parameters without a default and the leading ones that differ from
    theirs by position, the rest that differ by keyword."""
    values = {kw.name: kw.value for kw in call.kwargs}
    args, kwargs, positional = list(call.args), [], True
    for name in block.order:
        if name not in values:
            continue
        differs = name not in block.defaults or _differs(values[name], block.defaults[name], False)
        if positional and differs:
            args.append(values[name])
        elif differs:
            kwargs.append(ast.Keyword(name, values[name], call.span))
        else:
            positional = False
    return ast.Call(call.name, args, kwargs, bool(args or kwargs), call.span)
