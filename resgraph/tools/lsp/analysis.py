"""One document, analysed: parsed, its imports loaded, each of its models elaborated and checked.

The result keeps what every feature needs: the AST (for the places of names), the unit (the blocks
and models in scope), each model's graph (for shapes and costs, even when it has errors: the
shapes that could be inferred are), and every diagnostic.

A keystroke changes one definition, so a model's result is kept while the text and place of every
definition it can depend on (itself, the models it derives from, every block in scope) are
unchanged: typing in one model of a five-model file elaborates that model alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ...errors import Diagnostic, Diagnostics, ResgraphError, Source, Span
from ...ir import Graph
from ...ir.verify import check_arity, infer_all
from ...syntax import ast
from ...syntax.elaborate import Unit
from ...syntax.loader import elaborate, load_unit
from .ast_index import text_of
from .files import EditorFiles
from .graph_index import GraphIndex


@dataclass(eq=False)
class ModelResult:
    """One model of the document, elaborated with its parameters' defaults."""

    name: str
    key: tuple  # the texts and places it was built from (see model_key)
    graph: Graph
    errors: list[Diagnostic]

    @cached_property
    def index(self) -> GraphIndex:
        return GraphIndex(self.graph)


@dataclass
class Analysis:
    source: Source
    path: Path | None  # None for a document that is not a file (an untitled one)
    file: ast.File | None  # None when the text does not parse
    unit: Unit | None  # None when the file or one of its imports does not load
    load_errors: list[Diagnostic]
    models: dict[str, ModelResult] = field(default_factory=dict)
    # each file reached through imports → the span of this document's import that reaches it
    routes: dict[str, Span] = field(default_factory=dict)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every error and warning once, loading's first, then each model's in file order."""
        seen, out = set(), []
        for d in [*self.load_errors, *(d for m in self.models.values() for d in [*m.errors, *m.graph.warnings])]:
            key = (d.severity, d.message, str(d.span), d.span and (d.span.end_line, d.span.end_col))
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out

    @property
    def results(self) -> list[ModelResult]:
        return list(self.models.values())

    def sources(self) -> list[Source]:
        return list(self.unit.sources) if self.unit is not None else [self.source]


def analyze(path: Path | None, text: str, files: EditorFiles, previous: Analysis | None = None,
            name: str | None = None) -> Analysis:
    """Analyse a document's text (`name` is its path, or its URI when it is not a file); results of
    `previous` whose inputs are unchanged are kept."""
    source = files.source(str(path) if path is not None else (name or "<untitled>"), text)
    files.reads = []
    try:
        unit = load_unit(path, source, reader=files)
    except ResgraphError as exc:
        return Analysis(source, path, files.parsed(source), None, exc.diagnostics,
                        routes=_routes(source, files.reads))
    result = Analysis(source, path, unit.file, unit, [], routes=_routes(source, files.reads))
    kept = previous.models if previous is not None else {}
    for name_ in unit.file.models:
        key = model_key(unit, name_)
        old = kept.get(name_)
        if old is not None and old.key == key:
            result.models[name_] = old
            continue
        graph, error = elaborate(unit, unit.models[name_], {}, None)
        errors = error.diagnostics if error is not None else []
        if errors:
            infer_quietly(graph)
        result.models[name_] = ModelResult(name_, key, graph, errors)
    return result


def model_key(unit: Unit, name: str) -> tuple:
    """What a model's elaboration depends on: the text and place of the model, of the models it
    derives from and of every block in scope (blocks reach blocks; all of them is the safe set)."""
    parts, seen = [], set()
    while name in unit.models and name not in seen:
        seen.add(name)
        mdef, home = unit.models[name]
        parts.append(_placed(home.source, mdef.span))
        name = mdef.base.name if mdef.base is not None else None
    parts.append(name)  # a base that is not defined
    for bname, (bdef, home) in sorted(unit.blocks.items()):
        parts.append((bname, _placed(home.source, bdef.span)))
    return tuple(parts)


def _placed(source: Source, span: Span) -> tuple:
    return (source.path, span.line, span.col, span.end_line, span.end_col, text_of(source, span))


def infer_quietly(graph: Graph) -> None:
    """Infer every type the graph of a failed elaboration allows. Its errors are not reported:
    elaboration reported the causes, and a half-built graph has gaps that are not mistakes."""
    quiet = Diagnostics()
    infer_all(graph, quiet, check_arity(graph, quiet))


def _routes(source: Source, reads: list[tuple[Path, Span | None]]) -> dict[str, Span]:
    """Each file read while loading → the import of the document through which it was reached.

    The loader reads each file once, from the first import that names it: the reads form a tree
    whose root is the document, and each span is the import statement that caused the read."""
    parent: dict[str, str] = {}
    imports: dict[str, Span] = {}
    for path, span in reads:
        if span is not None and span.source is not None:
            parent.setdefault(str(path), span.source.path)
            imports.setdefault(str(path), span)
    found: dict[str, Span] = {}
    for path in parent:
        node, seen = path, set()
        while parent.get(node) not in (None, source.path) and node not in seen:
            seen.add(node)
            node = parent[node]
        if parent.get(node) == source.path:
            found[path] = imports[node]
    return found
