"""The graph as the interactive viewer reads it: one JSON document embedded in the page.

The page lays the graph out itself (assets/viewer.js), so it needs no Graphviz and folds in place.
Python decides what the boxes are and what they say; the script decides where they go.

    leaves  the chains of the full-depth View (`conv · bn · relu` is one box), in topological order
    units   the leaves and, above them, every scope (block instance, group, repetition) as a tree of
            foldable units, plus a "run" over consecutive alike block instances, so that ResNet-1202's
            199 identical blocks fold into one "× 199" box as in the static pictures
    nodes   every IR node, in leaf order: op, label, attributes, operands, shape, cost, source line
    kinds   the edge kinds in the graph, styled by the registry (`OpDef.edge_style`), weakest
            first: index 0 is "seq"
"""

from __future__ import annotations

import json
import os
from typing import Any

from ...ir import Graph
from ...ir.ops.base import shown
from .fold import (Item, ancestors, auto_folding, block_depth, build_view, exits, path_range, telling_args,
                   telling_call)
from .labels import call_text, row_groups, shape_text
from .matrix import block_matrices
from .style import CLUSTER_FILLS, FILL, dash_array, edge_kind, edge_styles, fill_of

ROOT = ""  # the model itself: the unit every other one sits in


def viewer_json(graph: Graph, depth: int | None | str = None, expand: tuple[str, ...] = (),
                live: dict[str, Any] | None = None) -> str:
    """`viewer_data` as JSON text that is safe inside a `<script>` element (no `<` at all)."""
    data = viewer_data(graph, depth, expand)
    if live is not None:
        data["live"] = live
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


def viewer_data(graph: Graph, depth: int | None | str = None, expand: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything the page draws: units, nodes, leaf edges, kinds, files, matrices and the folding.

    `depth` and `expand` say which units start folded, as `build_view` folds them ("auto" included).
    """
    if depth == "auto":
        depth, expand = auto_folding(graph)
    view = build_view(graph, None, repeats=False, dissolve=False)
    styles = edge_styles()
    present = {kind for _, _, kind, _ in graph.edges()} | {"seq"}
    kinds = sorted(present, key=lambda k: (k != "seq", styles[k].strength, k))  # weakest first
    kind_index = {k: i for i, k in enumerate(kinds)}
    files = _Files(graph)
    nodes, node_index = _nodes(graph, view, kind_index, files)
    tree = _Tree(graph, view, expand)
    matrices = block_matrices(graph)
    units: list[dict[str, Any]] = []
    opened: set[int] = set()
    unit_of_leaf: dict[int, int] = {}

    def emit(ref: tuple[str, Any], parent: int, level: int, holder: str) -> int:
        """Units in pre-order (a parent before its children), so the page reads them in one pass."""
        index = len(units)
        units.append({})
        if ref[0] == "leaf":
            units[index] = _leaf_unit(view.items[ref[1]], parent, node_index)
            unit_of_leaf[ref[1]] = index
            return index
        unit = tree.scope_unit(ref, parent, level, holder, kind_index, files, matrices)
        units[index] = unit
        inner = holder if ref[0] == "run" else ref[1]
        unit["ch"] = [emit(child, index, level + 1, inner) for child in tree.children[ref]]
        if tree.starts_open(ref, depth, expand, units, unit["ch"], opened):
            opened.add(index)
        return index

    emit(("scope", ROOT), -1, 0, ROOT)
    return {
        "name": graph.name,
        "doc": graph.doc or "",
        "params": graph.param_count(),
        "layers": len(graph),
        "kinds": [_kind(k, styles[k]) for k in kinds],
        "ops": {graph.op(n): graph.opdef(n).summary for n in graph},
        "nodes": nodes,
        "units": units,
        "edges": [[unit_of_leaf[a], unit_of_leaf[b], kind_index[k]] for a, b, k in view.edges],
        "open": sorted(opened),
        "files": files.table,
        "matrices": [_matrix(m, kind_index) for m in matrices.values()],
    }


def _kind(name: str, style) -> dict[str, Any]:
    return {"name": name, "color": style.color, "dash": dash_array(style) or "", "width": style.width,
            "legend": style.legend, "fill": style.fill, "symbol": style.symbol, "bold": style.line == "bold"}


class _Files:
    """The source files spans point into, by display path (relative to the model's file), with
    their lines; a file that is not one of the graph's sources (a builder's Python file) has none."""

    def __init__(self, graph: Graph) -> None:
        self.base = os.path.dirname(graph.source.path) if graph.source is not None else ""
        self.table: list[list[Any]] = []
        self.index: dict[str, int] = {}
        for src in graph.sources:
            self._add(src.path, [src.line(i) for i in range(1, src.text.count("\n") + 2)])

    def _add(self, path: str, lines: list[str] | None) -> int:
        if path not in self.index:
            self.index[path] = len(self.table)
            shown_path = os.path.relpath(path, self.base) if self.base and os.path.isabs(path) else path
            self.table.append([shown_path.replace(os.sep, "/"), lines])
        return self.index[path]

    def span(self, span) -> list[int] | None:
        """[file, first line, last line, first column, end column (exclusive, on the last line;
        0: to the end)], or None where the node was not written anywhere."""
        if span is None or span.source is None or span.line <= 0:
            return None
        last = max(span.end_line or span.line, span.line)
        return [self._add(span.path, None), span.line, last, span.col, span.end_col or 0]


def _nodes(graph: Graph, view, kind_index: dict[str, int], files: _Files) -> tuple[list[dict], dict[str, int]]:
    order = [m for item in view.items for m in item.members]
    index = {name: i for i, name in enumerate(order)}
    out = []
    for name in order:
        opdef, attrs, t = graph.opdef(name), graph.attrs(name), graph.type_of(name)
        cost = graph.cost(name) if t is not None else None
        record = {
            "n": name,
            "o": opdef.name,
            "l": opdef.label(attrs),
            "s": shape_text(t),
            "a": {k: shown(v) for k, v in attrs},
            "i": [index[u] for u in graph.inputs_of(name)],
            "e": kind_index[opdef.edge],
            "p": cost.params if cost else 0,
            "m": cost.macs if cost else None,
            "src": files.span(graph.span(name)),
        }
        out.append(record)
    return out, index


def _leaf_unit(item: Item, parent: int, node_index: dict[str, int]) -> dict[str, Any]:
    first = node_index[item.members[0]]
    rows = [[first + i for i in row] for row in row_groups(item.ops)]
    styles = edge_styles()
    colors = [styles[edge_kind(item.ops[row[0]])].color if edge_kind(item.ops[row[0]]) != "seq" else ""
              for row in row_groups(item.ops)]
    unit = {"k": item.kind, "n": item.name, "p": parent, "a": first, "z": len(item.members),
            "rows": rows, "rc": colors, "s": item.shape, "f": fill_of(item)}
    if item.kind == "merge" and styles[edge_kind(item.head_op)].symbol:
        unit["sym"] = styles[edge_kind(item.head_op)].symbol
        unit["sc"] = styles[edge_kind(item.head_op)].color
    return unit


def _matrix(m, kind_index: dict[str, int]) -> dict[str, Any]:
    return {"title": m.title, "rows": [list(r) for r in m.rows],
            "cells": [[i, j, kind_index[k]] for (i, j), k in sorted(m.cells.items())]}


class _Tree:
    """The scopes above the leaves: who holds whom, in drawing order, with runs of alike blocks."""

    def __init__(self, graph: Graph, view, expand: tuple[str, ...]) -> None:
        self.graph = graph
        self.view = view
        self.telling = telling_args(graph)  # the block arguments that tell instances apart
        self.costs = {n: graph.cost(n) for n in graph if graph.type_of(n) is not None}  # asked once each
        self.runs: dict[tuple[str, Any], list[tuple[str, Any]]] = {}  # run ref → its instances
        parent: dict[tuple[str, Any], tuple[str, Any]] = {}
        for path in graph.scopes:
            outer = ancestors(graph, path + ".x")[:-1]
            parent[("scope", path)] = ("scope", outer[-1] if outer else ROOT)
        for i, item in enumerate(view.items):
            parent[("leaf", i)] = ("scope", item.cluster or ROOT)
        first: dict[tuple[str, Any], int] = {}
        for i in range(len(view.items)):  # a scope comes where its first leaf comes
            ref: tuple[str, Any] = ("leaf", i)
            while ref in parent:
                first.setdefault(ref, i)
                ref = parent[ref]
            first.setdefault(ref, i)
        self.children: dict[tuple[str, Any], list[tuple[str, Any]]] = {("scope", ROOT): []}
        for ref in sorted((r for r in parent if r in first), key=lambda r: (first[r], r[0] == "leaf")):
            self.children.setdefault(parent[ref], []).append(ref)
            if ref[0] == "scope":
                self.children.setdefault(ref, [])
        self.parent = parent
        self._find_runs(expand)

    # -- runs ---------------------------------------------------------------------------------
    def _find_runs(self, expand: tuple[str, ...]) -> None:
        """Consecutive sibling instances of one block with the same arguments, each feeding only
        the next, become a run; an instance drawn open from the start (`expand`) ends a run."""
        succ: dict[int, set[int]] = {}
        for a, b, _ in self.view.edges:
            succ.setdefault(a, set()).add(b)
        self.instances = dict(self.children)  # each scope's children before runs group them
        for holder in list(self.children):
            kids = self.children[holder]
            if len(kids) < 2:
                continue
            owner = self._owners(holder)
            out_of: dict[tuple[str, Any], set] = {}
            into: dict[tuple[str, Any], set] = {}
            for leaf, child in owner.items():
                for b in succ.get(leaf, ()):
                    other = owner.get(b)
                    if other != child:
                        out_of.setdefault(child, set()).add(other)
                        into.setdefault(other, set()).add(child)
            groups: list[list[tuple[str, Any]]] = []
            for kid in kids:
                prev = groups[-1][-1] if groups else None
                if (prev is not None and self._key(prev) is not None and self._key(prev) == self._key(kid)
                        and prev[1] not in expand and kid[1] not in expand
                        and out_of.get(prev) == {kid} and into.get(kid) == {prev}):
                    groups[-1].append(kid)
                else:
                    groups.append([kid])
            if len(groups) == 1 and len(kids) > 1:
                continue  # the whole scope is one run: the scope itself folds into the "× N" box
            new: list[tuple[str, Any]] = []
            for group in groups:
                if len(group) == 1:
                    new.append(group[0])
                    continue
                ref = ("run", path_range(group[0][1], group[-1][1]))
                self.runs[ref] = group
                self.children[ref] = group
                new.append(ref)
            self.children[holder] = new

    def _owners(self, holder: tuple[str, Any]) -> dict[int, tuple[str, Any]]:
        """Leaf index → the child of `holder` it sits in, for every leaf under `holder`."""
        out: dict[int, tuple[str, Any]] = {}
        stack = [(kid, kid) for kid in self.children[holder]]
        while stack:
            ref, top = stack.pop()
            if ref[0] == "leaf":
                out[ref[1]] = top
            else:
                stack.extend((kid, top) for kid in self.children.get(ref, ()))
        return out

    def _key(self, ref: tuple[str, Any]):
        if ref[0] != "scope" or ref[1] == ROOT:
            return None
        scope = self.graph.scopes[ref[1]]
        return (scope.block, repr(sorted(scope.args.items()))) if scope.kind == "block" else None

    # -- what a unit says ---------------------------------------------------------------------
    def members(self, ref: tuple[str, Any]) -> list[str]:
        """The IR nodes under a unit, in leaf order."""
        if ref[0] == "leaf":
            return list(self.view.items[ref[1]].members)
        return [m for kid in self.children.get(ref, ()) for m in self.members(kid)]

    def scope_unit(self, ref, parent: int, level: int, holder: str, kind_index: dict[str, int],
                   files: _Files, matrices: dict) -> dict[str, Any]:
        """A scope's unit: its header, its folded box's lines, its totals and where it was written."""
        graph = self.graph
        members = self.members(ref)
        costs = [self.costs[n] for n in members if n in self.costs]
        macs = [c.macs for c in costs]
        inside = {graph.opdef(n).edge for n in members} - {"seq"}
        strongest = max(inside, key=kind_index.__getitem__, default=None)
        unit: dict[str, Any] = {
            "n": ref[1],
            "p": parent,
            "params": sum(c.params for c in costs),
            "macs": None if len(costs) < len(members) or None in macs else sum(macs),
            "layers": len(members),
            "s": ", ".join(shape_text(graph.type_of(n)) for n in exits(graph, members)) if members else "",
            "b": "" if strongest is None else edge_styles()[strongest].color,
            "fr": CLUSTER_FILLS[min(max(level - 1, 0), len(CLUSTER_FILLS) - 1)],
        }
        if ref[1] == ROOT:
            return unit | {"k": "root", "h": graph.name, "short": graph.name, "call": "", "f": FILL["block"]}
        kids = self.children.get(ref, [])
        if ref[0] == "run":
            first = graph.scopes[kids[0][1]]
            call = telling_call(graph, kids[0][1], self.telling) + f" × {len(kids)}"
            short = _short(ref[1], holder)
            return unit | {"k": "run", "h": f"{short}: {call}", "short": short, "call": call,
                           "full": call_text(first.block or "block", first.args, 10**6) + f" × {len(kids)}",
                           "f": FILL["repeat"], "src": files.span(first.span)}
        scope = graph.scopes[ref[1]]
        short = _short(ref[1], holder)
        if scope.kind == "block":
            call = telling_call(graph, ref[1], self.telling)
            full = call_text(scope.block or "block", scope.args, 10**6)
            fill = FILL["block"]
        else:
            instances = self.instances[ref]
            alike = {self._key(k) for k in instances}
            if scope.kind == "repeat" and len(alike) == 1 and None not in alike:
                call = telling_call(graph, instances[0][1], self.telling) + f" × {len(instances)}"
            elif len(members) <= 3:
                call = " · ".join(graph.opdef(n).label(graph.attrs(n)) for n in members)
            else:
                call = f"{len(members)} layers"
            full, fill = "", FILL["repeat" if scope.kind == "repeat" else "block"]
        unit |= {"k": scope.kind, "h": short + (f": {call}" if scope.kind != "group" else ""), "short": short,
                 "call": call, "full": full, "f": fill, "src": files.span(scope.span)}
        if ref[1] in matrices:
            unit["mx"] = list(matrices).index(ref[1])
        return unit

    def starts_open(self, ref, depth: int | None, expand: tuple[str, ...], units: list, kids: list[int],
                    opened: set[int]) -> bool:
        """Blocks at nesting level `depth` start folded (unless in `expand`); a repetition or run
        starts folded when every instance in it does; groups start open."""
        if ref[1] == ROOT or depth is None:
            return True
        if ref[0] == "run" or self.graph.scopes[ref[1]].kind == "repeat":
            scoped = [k for k in kids if units[k]["k"] not in ("input", "layer", "merge", "chain")]
            return not scoped or any(k in opened for k in scoped)
        if self.graph.scopes[ref[1]].kind == "block":
            is_open = block_depth(self.graph, ref[1]) < depth or ref[1] in expand
        else:
            is_open = True
        return is_open


def _short(path: str, holder: str) -> str:
    """A path relative to the scope it is drawn in; "layer1.0" says more than "0"."""
    prefix = holder + "." if holder else ""
    rest = path[len(prefix):] if prefix and path.startswith(prefix) else path
    return path if not rest or rest[0].isdigit() else rest
