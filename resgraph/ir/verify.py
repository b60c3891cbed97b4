"""The static checks that turn a built graph into a checked one, reporting every independent error."""

from __future__ import annotations

import math
import re
from typing import Any

import networkx as nx

from ..errors import Diagnostics, GraphError, LimitError, NameError_, ResgraphError, Source, Span, TypeError_
from .graph import FAILED
from .naming import name_problem
from . import data_config, model_parts
from .options import GRAPH_OPTIONS, option_problem
from .cycles import cycle_error, find_cycle

# Sizes past which a model cannot be allocated on ordinary machines, refused here rather than as an
# allocation failure in compile. One layer past 2**31 parameters is 8 GiB of float32 and past the
# 32-bit indexing of many torch kernels; 2**34 in all is 64 GiB of float32 weights. The largest zoo
# models sit far below: wide_resnet50_2 has 69M parameters (its largest layer 9.4M), densenet264 33M.
MAX_LAYER_PARAMS = 1 << 31
MAX_MODEL_PARAMS = 1 << 34


def arity_problem(opdef, n: int) -> str | None:
    """What is wrong with giving `opdef` n inputs, or None (the builder asks before adding a node)."""
    if n >= opdef.min_inputs and (opdef.max_inputs is None or n <= opdef.max_inputs):
        return None
    want = (
        f"at least {opdef.min_inputs}"
        if opdef.max_inputs is None
        else f"{opdef.min_inputs}" if opdef.min_inputs == opdef.max_inputs
        else f"{opdef.min_inputs} to {opdef.max_inputs}"
    )
    return f"{opdef.name} takes {want} input(s), got {n}"


def check_arity(graph, diags: Diagnostics) -> set[str]:
    """Report nodes with a wrong number of inputs; return them so that inference skips them."""
    bad = set()
    for name in graph:
        problem = arity_problem(graph.opdef(name), graph.nx.in_degree(name))
        if problem:
            diags.error(TypeError_, problem, graph.span(name))
            bad.add(name)
    return bad


def infer_all(graph, diags: Diagnostics, skip: set[str] = frozenset()) -> None:
    """Infer every node's type in topological order; each failure is reported once, at its cause.

    Nodes in `skip` (wrong arity: their shape rule would not apply) are marked failed instead.
    """
    for name in skip:
        graph.node(name)["type"] = FAILED
    for name in graph.topo_order():
        try:
            graph.infer(name)
        except ResgraphError as exc:
            diags.add(exc)


def check_output(graph, diags: Diagnostics) -> None:
    if not graph.inputs:
        diags.error(GraphError, f"model '{graph.name}' has no input", hint="declare one: input x[3, 224, 224]")
    if graph.output is None:
        diags.error(GraphError, f"model '{graph.name}' has no output", hint="bind the result to out: out = ... ")


def check_names(graph, diags: Diagnostics) -> None:
    """Refuse names the compiled module cannot hold (`type`, `class`), once per name, where first written.

    Scopes come first so that a bad block instance name is reported at the instance, not at every
    layer inside it; nodes cover graphs built in Python, whose scopes are implied by dotted names.
    """
    reported: set[str] = set()
    places = [(path, scope.span) for path, scope in graph.scopes.items()]
    places += [(name, graph.span(name)) for name in graph]
    for path, span in places:
        problem = name_problem(path)
        if problem and problem[0] not in reported:
            reported.add(problem[0])
            diags.error(NameError_, problem[1], span, hint=problem[2])


def check_unused(graph, diags: Diagnostics) -> None:
    """Warn about dead ends: layers (other than the output) whose value nothing uses."""
    for name in graph:
        if name != graph.output and graph.nx.out_degree(name) == 0:
            diags.warning(f"'{name}' is computed but never used", graph.span(name),
                          hint="connect it to the output or delete it")


def check_size(graph, diags: Diagnostics) -> None:
    """Refuse a layer, or a model, with more parameters than can be allocated (see MAX_*_PARAMS)."""
    total, crosser, layer_too_big = 0, None, False
    for name in graph:
        n = graph.param_count(name)
        if n > MAX_LAYER_PARAMS:
            diags.error(LimitError, f"'{name}' has {n:,} parameters, more than the limit of "
                        f"{MAX_LAYER_PARAMS:,} (2**31) for one layer", graph.span(name),
                        hint="use fewer channels or a smaller kernel; pool before flatten -> linear")
            layer_too_big = True
        total += n
        if crosser is None and total > MAX_MODEL_PARAMS:
            crosser = name
    if crosser is not None and not layer_too_big:
        diags.error(LimitError, f"model '{graph.name}' has {total:,} parameters, more than the limit of "
                    f"{MAX_MODEL_PARAMS:,} (2**34); '{crosser}' crosses it", graph.span(crosser),
                    hint="use fewer or narrower layers")


def check_settings(graph, diags: Diagnostics) -> None:
    """Refuse options the back end does not know and parameter values that cannot be saved (inf, nan)."""
    for name, value in graph.options.items():
        problem = option_problem(graph.name, name, value)
        if problem:
            diags.error(problem.kind, problem.message, _setting_span(graph, name, option=True), hint=problem.hint)
    for name, value in graph.params.items():
        if not _finite(value):
            diags.error(TypeError_, f"model parameter '{name}' is {value!r}, which cannot be saved or compiled",
                        _setting_span(graph, name, option=False),
                        hint="use a finite number (the largest is about 1.8e308)")


def check_model_options(graph, diags: Diagnostics) -> None:
    """Refuse options that name layers the model lacks or that cannot play their part (a head that
    reads two values, a feature stage that is no map), and a mean or std of the wrong length."""
    problems = [(p.option, p.message, p.hint) for p in model_parts.option_problems(graph)]
    for option, message, hint in [*problems, *data_config.option_problems(graph)]:
        diags.error(TypeError_, message, _setting_span(graph, option, option=True), hint=hint)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return True


def _setting_span(graph, name: str, *, option: bool) -> Span | None:
    """Where the model's file sets parameter or option `name` (the whole file where the text does not say).

    Parameters and options carry no span in the graph, so look for the name in the text: an
    option in the model's body, a parameter in its header (`model m(name: ...)`, `model d = m(name=...)`).
    """
    source = graph.source
    if source is None:
        return None
    text = source.text
    head = re.search(rf"^[ \t]*(model\s+{re.escape(graph.name)})\b", text, re.MULTILINE)
    if head is None:  # a graph built in Python, or a model derived in another file
        return Span(source, 0, 0)
    if option:
        found = re.compile(rf"\boption\s+({re.escape(name)})\b").search(text, head.end())
    else:
        nxt = re.compile(r"[{]|^[ \t]*(model|block)\b", re.MULTILINE).search(text, head.end())
        found = re.compile(rf"\b({re.escape(name)})\b").search(text, head.end(), nxt.start() if nxt else len(text))
    start, end = (found or head).span(1)
    return _span(source, start, end)


def _span(source: Source, start: int, end: int) -> Span:
    """A one-line span from text offsets, counting lines by \\n as the lexer does."""
    line = source.text.count("\n", 0, start) + 1
    col = start - (source.text.rfind("\n", 0, start) + 1) + 1
    return Span(source, line, col, line, col + end - start)


def check(graph) -> None:
    """Run every check; raise one ResgraphError holding all errors; store warnings on the graph."""
    diags = Diagnostics()
    check_output(graph, diags)
    check_settings(graph, diags)
    check_names(graph, diags)
    bad = check_arity(graph, diags)
    cycle = None if nx.is_directed_acyclic_graph(graph.nx) else find_cycle(graph)  # the fast test first
    if cycle:
        diags.add(cycle_error(graph, cycle))
    else:
        infer_all(graph, diags, bad)
        check_size(graph, diags)
        if graph.output is not None and not diags.errors and graph.options.keys() & GRAPH_OPTIONS:
            check_model_options(graph, diags)
        if graph.output is not None:
            check_unused(graph, diags)
    graph.warnings = diags.warnings
    diags.raise_if_errors()


__all__ = ["MAX_LAYER_PARAMS", "MAX_MODEL_PARAMS", "arity_problem", "check", "check_arity", "check_model_options", "check_names", "check_output", "check_settings",
           "check_size", "check_unused", "infer_all"]
