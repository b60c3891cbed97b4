"""Runs of statements that differ only by a counter, as one `for` loop with name templates.

A dense block's body is one statement per layer, each reading every map before it:

    h1 = concat(in) -> denselayer1: dense_layer
    h2 = concat(in, h1) -> denselayer2: dense_layer
    h3 = concat(in, h1, h2) -> denselayer3: dense_layer
    out = concat(in, h1, h2, h3)

Two neighbours tell what varies: names whose number grows by one (`h1`, `h2`: `h{i}`) and
operand lists that grow by one name (`h{1..i}`); every statement of the run must then be that
template at its own counter, and later lists of all the run's names become a range:

    for i in 1..=3 {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: dense_layer
    }
    out = concat(in, h{1..=3})

The counter is the number in the statement's name, so that blocks of different lengths differ
in the loop's bounds only (a literal, hence a parameter).
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import UNKNOWN_SPAN
from ...syntax import ast

S = UNKNOWN_SPAN
MIN_RUN = 3  # fewer statements read better as they are
_NUMBERED = re.compile(r"^(.*?)(\d+)([^0-9]*)$")


def loops(stmts: list, taken: set[str]) -> list:
    """The statements with each run of at least MIN_RUN counted statements as a loop."""
    out: list = []
    k = 0
    while k < len(stmts):
        run = _run(stmts, k)
        head = _head(out[-1], run, taken) if out and len(run) >= 2 and out[-1] is stmts[k - 1] else None
        if head is not None:  # `h1 = in -> ...` before `h2 = h1 -> ...`: h0 names `in`, the loop starts at h1
            alias, first = head
            out[-1:] = [alias]
            run = [first, *run]
        if len(run) < MIN_RUN:
            out.extend(run[:1] if head is None else run)
            k += 1 if head is None else len(run) - 1
            continue
        var = next(v for v in ("i", "j", "k", "m", "q") if v not in taken)
        out.append(_loop(run, var))
        names = [_target_number(st) for st in run]
        prefix = _NUMBERED.match(run[0].target.id)
        for later in stmts[k + len(run) - (head is not None):]:
            _ranges(later, prefix.group(1), prefix.group(3), names[0][1], names[-1][1])
        k += len(run) - (head is not None)
    return out


def _head(prev: Any, run: list, taken: set[str]):
    """(`h0 = in`, `h1 = h0 -> ...`) when the statement before a run is the run's first step
    but for reading a value of another name (the block's input) where the others read the one
    before: the run then begins one earlier, at a name given to that value."""
    number, start = _target_number(prev), _target_number(run[0])
    if number is None or start is None or number != (start[0], start[1] - 1):
        return None
    first = prev.chain.elements[0] if prev.chain.elements else None
    if first is None or first.label is not None or not isinstance(first.item, ast.Call) or first.item.parens:
        return None
    m = _NUMBERED.match(prev.target.id)
    alias_name = f"{m.group(1)}{number[1] - 1}{m.group(3)}"
    if alias_name in taken:
        return None
    renamed = ast.Bind(prev.target, ast.Chain([ast.Element(None, ast.Call(alias_name, [], [], False, S), None, S),
                                              *prev.chain.elements[1:]], S), S)
    holes = _diff(renamed, run[0], (), start[1])
    if holes is None or _apply(renamed, holes, number[1], ()) != _apply(run[0], holes, start[1], ()):
        return None
    alias = ast.Bind(ast.Name(alias_name, S), ast.Chain([first], S), S)
    return alias, renamed


def _target_number(st: Any) -> tuple[str, int] | None:
    if not (isinstance(st, ast.Bind) and not st.more and isinstance(st.target, ast.Name)
            and isinstance(st.chain, ast.Chain)):
        return None
    m = _NUMBERED.match(st.target.id)
    return (m.group(1) + "#" + m.group(3), int(m.group(2))) if m else None


def _run(stmts: list, k: int) -> list:
    """The longest run from k: targets numbered one up each time, all one template."""
    first = _target_number(stmts[k])
    second = _target_number(stmts[k + 1]) if k + 1 < len(stmts) else None
    if first is None or second is None or second != (first[0], first[1] + 1):
        return [stmts[k]]
    holes = _diff(stmts[k], stmts[k + 1], (), second[1])
    template = None if holes is None else _apply(stmts[k], holes, first[1], ())
    if template is None:
        return [stmts[k]]
    run = [stmts[k]]
    for st in stmts[k + 1:]:
        number = _target_number(st)
        if number is None or number != (first[0], first[1] + len(run)) or _apply(st, holes, number[1], ()) != template:
            break
        run.append(st)
    return run


# -- what varies between two neighbours ---------------------------------------------------------------

def _diff(a: Any, b: Any, path: tuple, vb: int) -> dict | None:
    """The holes that make statement b (at counter vb) statement a one step on: path →
    ("name", prefix, suffix) for a name whose last number steps, ("list", head, prefix, suffix,
    start, end) for a list of names whose tail `prefix{start..vb + end}suffix` grows; None when
    they differ otherwise."""
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return {} if a.id == b.id else _name_hole(a.id, b.id, path)
    if isinstance(a, ast.Call) and isinstance(b, ast.Call) and not a.parens and not b.parens \
            and not a.args and not b.args and a.name != b.name:
        return _name_hole(a.name, b.name, path)  # a value read at a chain's start
    if isinstance(a, list) and isinstance(b, list):
        if len(b) == len(a) + 1 and all(isinstance(x, ast.Name) for x in a + b):
            return _list_hole(a, b, path, vb)
        if len(a) != len(b):
            return None
        holes: dict = {}
        for k, (x, y) in enumerate(zip(a, b)):
            found = _diff(x, y, path + (k,), vb)
            if found is None:
                return None
            holes.update(found)
        return holes
    if type(a) is not type(b):
        return None
    if hasattr(a, "__dataclass_fields__"):
        holes = {}
        for f in a.__dataclass_fields__:
            if f == "span":
                continue
            found = _diff(getattr(a, f), getattr(b, f), path + (f,), vb)
            if found is None:
                return None
            holes.update(found)
        return holes
    return {} if a == b else None


def _name_hole(x: str, y: str, path: tuple) -> dict | None:
    """`h1` → `h2`: the last number steps by one (earlier numbers stay: denseblock1.denselayer2)."""
    mx, my = _NUMBERED.match(x), _NUMBERED.match(y)
    if not mx or not my or (mx.group(1), mx.group(3)) != (my.group(1), my.group(3)):
        return None
    if int(my.group(2)) != int(mx.group(2)) + 1:
        return None
    return {path: ("name", mx.group(1), mx.group(3))}


def _list_hole(a: list, b: list, path: tuple, vb: int) -> dict | None:
    """[in, h1] → [in, h1, h2]: a fixed head and a growing tail of consecutive numbered names."""
    if [n.id for n in b[:len(a)]] != [n.id for n in a]:
        return None
    m = _NUMBERED.match(b[-1].id)
    if not m:
        return None
    prefix, suffix = m.group(1), m.group(3)
    head = len(a)
    while head > 0 and _number(a[head - 1].id, prefix, suffix) is not None:
        head -= 1
    numbers = [_number(n.id, prefix, suffix) for n in b[head:]]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    return {path: ("list", head, prefix, suffix, numbers[0], numbers[-1] + 1 - vb)}


def _number(name: str, prefix: str, suffix: str) -> int | None:
    m = _NUMBERED.match(name)
    return int(m.group(2)) if m and (m.group(1), m.group(3)) == (prefix, suffix) else None


# -- one statement as the template at its counter -------------------------------------------------

def _apply(node: Any, holes: dict, v: int, path: tuple) -> Any:
    """A key of `node` at counter v with its holes as offsets from the counter, equal for every
    statement of a run; None if a hole's text is not what the counter gives."""
    hole = holes.get(path)
    if hole is not None and hole[0] == "name":
        if not isinstance(node, (ast.Name, ast.Call)):
            return None
        text = node.id if isinstance(node, ast.Name) else node.name
        number = _number(text, hole[1], hole[2])
        return None if number is None else ("name", hole[1], hole[2], number - v)
    if hole is not None and hole[0] == "list":
        _, head, prefix, suffix, start, end = hole
        want = [f"{prefix}{n}{suffix}" for n in range(start, v + end)]
        if not isinstance(node, list) or [x.id if isinstance(x, ast.Name) else None for x in node[head:]] != want:
            return None
        return ("list", tuple(x.id for x in node[:head]), hole)
    if isinstance(node, list):
        out = [_apply(x, holes, v, path + (k,)) for k, x in enumerate(node)]
        return None if any(x is None for x in out) else tuple(out)
    if hasattr(node, "__dataclass_fields__"):
        out = [type(node).__name__]
        for f in node.__dataclass_fields__:
            if f == "span":
                continue
            x = _apply(getattr(node, f), holes, v, path + (f,))
            if x is None:
                return None
            out.append(x)
        return tuple(out)
    return ("value", type(node).__name__, node)


def _loop(run: list, var: str) -> ast.For:
    """`for var in first..=last { template }`, the template built from the first statement."""
    first = _target_number(run[0])[1]
    holes = _diff(run[0], run[1], (), first + 1)
    body = _build(run[0], holes, first, var, ())
    bounds = ast.Range(ast.Literal(first, S), ast.Literal(first + len(run) - 1, S), True, S)
    return ast.For(var, bounds, [body], S)


def _counter(var: str, offset: int):
    if offset == 0:
        return ast.Name(var, S)
    return ast.Binary("+" if offset > 0 else "-", ast.Name(var, S), ast.Literal(abs(offset), S), S)


def _build(node: Any, holes: dict, v: int, var: str, path: tuple) -> Any:
    """The first statement of a run (at counter v) with its holes as templates of `var`."""
    hole = holes.get(path)
    if hole is not None and hole[0] == "name":
        text = node.id if isinstance(node, ast.Name) else node.name
        parts = [p for p in (hole[1], _counter(var, _number(text, hole[1], hole[2]) - v), hole[2]) if p != ""]
        template = ast.Template(parts, S)
        return template if isinstance(node, ast.Name) else ast.TemplateRef(template, S)
    if hole is not None and hole[0] == "list":
        _, head, prefix, suffix, start, end = hole
        grown = ast.Range(ast.Literal(start, S), _counter(var, end), False, S)
        return [*node[:head], ast.Template([p for p in (prefix, grown, suffix) if p != ""], S)]
    if isinstance(node, list):
        return [_build(x, holes, v, var, path + (k,)) for k, x in enumerate(node)]
    if hasattr(node, "__dataclass_fields__") and not isinstance(node, type) and type(node).__name__ != "Span":
        return type(node)(**{f: (getattr(node, f) if f == "span" else _build(getattr(node, f), holes, v, var, path + (f,)))
                             for f in node.__dataclass_fields__})
    return node


def _ranges(node: Any, prefix: str, suffix: str, first: int, last: int) -> None:
    """Lists naming every value of a loop, in order, as one range: h1, h2, h3 → h{1..=3}."""
    names = [f"{prefix}{k}{suffix}" for k in range(first, last + 1)]
    if isinstance(node, list):
        ids = [x.id if isinstance(x, ast.Name) else None for x in node]
        for k in range(len(ids) - len(names) + 1):
            if ids[k:k + len(names)] == names:
                parts = [p for p in (prefix, ast.Range(ast.Literal(first, S), ast.Literal(last, S), True, S), suffix)
                         if p != ""]
                node[k:k + len(names)] = [ast.Template(parts, S)]
                break
        for x in node:
            _ranges(x, prefix, suffix, first, last)
    elif hasattr(node, "__dataclass_fields__") and type(node).__name__ not in ("Span", "Source"):
        for f in node.__dataclass_fields__:
            if f != "span":
                _ranges(getattr(node, f), prefix, suffix, first, last)
