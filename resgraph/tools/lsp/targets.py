"""What the cursor is on: a layer, a block, a model, a value, a variable, an import, a keyword.

Hover, go to definition and find references all start here. A call is a layer of an op or an
instance of a block, unless it is a bare name the definition binds (`body = stem -> ...` reads the
value `stem`); a name in an expression is a variable or, in a merge or a tensor argument, a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import Source, Span
from ...ir import ops
from ...syntax import ast
from .ast_index import Binding, Pos, bindings, inside, name_span, path_at

# what a target can be
OP, BLOCK, MODEL, VALUE, VARIABLE, IMPORT, INPUT_OF_BLOCK, KEYWORD, ELEMENT = (
    "op", "block", "model", "value", "variable", "import", "in", "keyword", "element")


@dataclass
class Target:
    kind: str
    name: str
    span: Span  # where it is written, at the cursor
    node: Any  # the AST node at the cursor
    defn: ast.BlockDef | ast.ModelDef | None  # the definition around it
    binds: list[Binding] = field(default_factory=list)  # VALUE, VARIABLE: where the name is bound
    call: ast.Call | None = None  # KEYWORD: the call it is written in
    declaration: bool = False  # the cursor is on the definition or binding itself


def blocks_in_scope(analysis) -> dict[str, tuple[ast.BlockDef, Any]]:
    """Block name → (definition, the unit holding it); the document's own blocks if imports failed."""
    if analysis.unit is not None:
        return analysis.unit.blocks
    file = analysis.file
    return {name: (b, None) for name, b in (file.blocks if file is not None else {}).items()}


def models_in_scope(analysis) -> dict[str, tuple[ast.ModelDef, Any]]:
    if analysis.unit is not None:
        return analysis.unit.models
    file = analysis.file
    return {name: (m, None) for name, m in (file.models if file is not None else {}).items()}


def target_at(analysis, pos: Pos) -> Target | None:
    file, source = analysis.file, analysis.source
    if file is None:
        return None
    path = path_at(file, pos)
    if not path:
        return None
    defn = path[0] if isinstance(path[0], (ast.BlockDef, ast.ModelDef)) else None
    scope = bindings(source, defn) if defn is not None else []
    for depth in range(len(path) - 1, -1, -1):
        node = path[depth]
        parent = path[depth - 1] if depth else None
        found = _target(analysis, source, node, parent, defn, scope, pos)
        if found is not None:
            return found
    return None


def _target(analysis, source: Source, node, parent, defn, scope: list[Binding], pos: Pos) -> Target | None:
    def named(name: str) -> list[Binding]:
        return [b for b in scope if b.name == name]

    if isinstance(node, ast.Import):
        return Target(IMPORT, node.target, node.span, node, defn)
    if isinstance(node, (ast.BlockDef, ast.ModelDef)):
        span = name_span(source, node)
        if inside(span, pos):
            return Target(BLOCK if isinstance(node, ast.BlockDef) else MODEL, node.name, span, node, defn,
                          declaration=True)
        return None
    if isinstance(node, ast.Param):
        span = name_span(source, node)
        kind = VALUE if node.type == "tensor" else VARIABLE
        return Target(kind, node.name, span, node, defn, named(node.name), declaration=inside(span, pos))
    if isinstance(node, (ast.Let, ast.For, ast.Input)):
        name = node.var if isinstance(node, ast.For) else node.name
        span = name_span(source, node)
        if not inside(span, pos):
            return None
        kind = VALUE if isinstance(node, ast.Input) else VARIABLE
        return Target(kind, name, span, node, defn, named(name), declaration=True)
    if isinstance(node, ast.Keyword):
        span = Span(source, node.span.line, node.span.col, node.span.line, node.span.col + len(node.name))
        if isinstance(parent, ast.Call) and inside(span, pos):
            return Target(KEYWORD, node.name, span, node, defn, call=parent)
        return None
    if isinstance(node, ast.Name):
        if isinstance(parent, ast.Element) and parent.label is node:
            return Target(ELEMENT, node.id, node.span, parent, defn, declaration=True)
        if isinstance(parent, ast.Bind) and node in parent.targets:
            return Target(VALUE, node.id, node.span, node, defn, named(node.id), declaration=True)
        if node.id == "in" and isinstance(defn, ast.BlockDef):
            return Target(INPUT_OF_BLOCK, "in", node.span, node, defn)
        found = named(node.id)
        if found:
            kind = VALUE if found[0].is_value else VARIABLE
            return Target(kind, node.id, node.span, node, defn, found)
        return None
    if isinstance(node, ast.Call):
        span = Span(source, node.span.line, node.span.col, node.span.line, node.span.col + len(node.name))
        if isinstance(parent, ast.ModelDef) and parent.base is node:
            return Target(MODEL, node.name, span, node, defn)
        if node.name == "in" and not node.parens and isinstance(defn, ast.BlockDef):
            return Target(INPUT_OF_BLOCK, "in", span, node, defn)
        found = [b for b in named(node.name) if b.is_value]
        if found and not node.parens:
            return Target(VALUE, node.name, span, node, defn, found)
        if node.name in blocks_in_scope(analysis):
            return Target(BLOCK, node.name, span, node, defn)
        if ops.is_op(node.name):
            return Target(OP, node.name, span, node, defn)
        return None
    if isinstance(node, ast.Attr) and isinstance(node.value, ast.Name):  # `x.channels` reads the value x
        return _target(analysis, source, node.value, node, defn, scope, pos)
    if isinstance(node, ast.Element):
        return Target(ELEMENT, "", node.span, node, defn)
    if isinstance(node, ast.Bind) and isinstance(node.target, ast.Name):
        return Target(VALUE, node.target.id, node.target.span, node.target, defn, named(node.target.id),
                      declaration=True)
    return None
