"""Layer and scope names: labels and name templates, fresh names, and claiming each path once.

docs/language.md, "Names": a label; else the statement's name for the chain's last unnamed
element; else the position inside a labeled group or repetition; else the op (or block) name,
then `name_1`, `name_2`, ... Names inside a block instance are prefixed with its path.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ...errors import LimitError, NameError_, Span, TypeError_
from ...ir import Graph, Scope
from .. import ast
from ..values import Env, Evaluator, show, type_name
from .budget import MAX_OPERANDS, loop_items
from .frames import Frame


@dataclass
class GroupNumbering:
    """A labeled group or repetition numbers its unlabeled elements: `path.0`, `path.1`, ..."""

    path: str
    next_index: int = 0

    def take(self) -> str:
        """The next element's path; every element takes a number, labeled or not."""
        path = f"{self.path}.{self.next_index}"
        self.next_index += 1
        return path


def label_base(group: GroupNumbering | None, frame: Frame) -> str:
    """Where a label lives: inside a labeled group, the group's path; else the frame."""
    return group.path if group is not None else frame.prefix


def local_name(env: Env, target) -> str:
    """The name a statement or label writes: a plain name or a name template like h{i}."""
    if isinstance(target, ast.Name):
        return target.id
    return template_name(env, target)


def template_name(env: Env, t: ast.Template) -> str:
    if t.is_range:
        raise TypeError_("a name range stands for several names; it cannot name one", t.span,
                         hint="use h{i} here; h{1..i} lists names for concat")
    return "".join(p if isinstance(p, str) else _name_piece(Evaluator(env)(p), p.span) for p in t.parts)


def template_names(env: Env, t: ast.Template) -> list[str]:
    """Every name a template lists: h{1..=3} is h1, h2, h3."""
    if not t.is_range:
        return [template_name(env, t)]
    ev = Evaluator(env)
    lists, count = [], 1
    for p in t.parts:  # the product is counted before any part becomes names: h{1..=n}_{1..=n}
        values = loop_items(ev, p) if isinstance(p, ast.Range) else [p if isinstance(p, str) else ev(p)]
        count *= len(values)
        if count > MAX_OPERANDS:
            raise LimitError(f"a name range of at least {count} names, more than the limit {MAX_OPERANDS}",
                             t.span)
        lists.append([v if isinstance(p, str) else _name_piece(v, p.span) for v in values])
    return ["".join(parts) for parts in itertools.product(*lists)]


def _name_piece(v: Any, span: Span) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise TypeError_(f"a name template needs an int or a string, got {type_name(v)} {show(v)}", span)
    return str(v)


class NameRegistry:
    """Every node and scope path given out so far, so that each is given once."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.claimed: set[str] = set()

    def fresh(self, frame: Frame, base: str) -> str:
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
            self.add_scope(self.claim(parent, span), "group", None, {}, span)
        self.claimed.add(path)
        return path

    def add_scope(self, path: str, kind: str, block: str | None, args: dict, span: Span) -> None:
        self.graph.scopes[path] = Scope(path, kind, block, args, span)
