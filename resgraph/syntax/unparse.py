"""Graph → .rg text that loads back to the same graph (`to_rg(graph)`).

A graph the front end built keeps its blocks and loops: `to_rg` writes the model with its
parameter defaults set to the values used (`graph.params`) and every block it can reach, from
its own file and its imports, as one self-contained text. The text is loaded once to make sure it
gives the same graph; if it does not (the graph was edited after loading, or two imported blocks
share a name), or the graph was made in Python, the model is written flat: one statement per
chain of layers, every layer at its full path (`layer1.0.conv1: conv(64, 3)`).
"""

from __future__ import annotations

from ..errors import UNKNOWN_SPAN, GraphError, ResgraphError
from ..ir import Graph
from ..ir.naming import NAME_HINT, writable, writable_model_name
from . import ast
from .layout import Renderer
from .loader import loads_graph


def to_rg(graph: Graph) -> str:
    """The graph as a .rg text: blocks and loops kept where the graph came from a file."""
    if graph.provenance is not None:
        text = _from_provenance(graph)
        if text is not None and _reloads_to(text, graph):
            return text
    return _flat(graph)


def structural_diff(a: Graph, b: Graph) -> list[str]:
    """How two graphs differ (names, ops, attributes, edges, inputs, output); empty if they agree."""
    out = []
    if list(a.nx.nodes) != list(b.nx.nodes) and set(a.nx.nodes) != set(b.nx.nodes):
        only_a, only_b = sorted(set(a.nx) - set(b.nx)), sorted(set(b.nx) - set(a.nx))
        return [f"nodes only in the first: {only_a[:5]}, only in the second: {only_b[:5]}"]
    for n in a.nx.nodes:
        if (a.op(n), a.attrs(n)) != (b.op(n), b.attrs(n)):
            out.append(f"{n}: {a.op(n)}{dict(a.attrs(n))} vs {b.op(n)}{dict(b.attrs(n))}")
        if a.inputs_of(n) != b.inputs_of(n):
            out.append(f"{n}: operands {a.inputs_of(n)} vs {b.inputs_of(n)}")
    if sorted(a.edges()) != sorted(b.edges()):
        out.append("edge kinds or operand positions differ")
    if (a.inputs, a.output) != (b.inputs, b.output):
        out.append(f"inputs/output {a.inputs} -> {a.output} vs {b.inputs} -> {b.output}")
    return out


def _reloads_to(text: str, graph: Graph) -> bool:
    try:
        return not structural_diff(graph, loads_graph(text))
    except ResgraphError:
        return False


# -- graphs from a file: the model and the blocks it uses ---------------------------------------


def _from_provenance(graph: Graph) -> str | None:
    model, unit, input_shape = graph.provenance.model, graph.provenance.unit, graph.provenance.input_shape
    blocks: dict[str, ast.BlockDef] = {}
    if not _reach(model.body, unit, blocks):
        return None
    params = [ast.Param(p.name, p.type, ast.Literal(graph.params[p.name], UNKNOWN_SPAN), p.span)
              for p in model.params]
    body = [_input(st, input_shape) if isinstance(st, ast.Input) and input_shape else st for st in model.body]
    r = Renderer()
    for bdef in blocks.values():
        r.block_or_model(bdef)
        r.out.append("")
    r.block_or_model(ast.ModelDef(graph.name, params, body, graph.doc, UNKNOWN_SPAN))
    return "\n".join(line.rstrip() for line in r.out) + "\n"


def _input(st: ast.Input, shape) -> ast.Input:
    return ast.Input(st.name, [_dim(d) for d in shape], st.span)


def _reach(stmts: list, unit, found: dict[str, ast.BlockDef], open_: frozenset = frozenset()) -> bool:
    """Collect the blocks these statements can instantiate, callees first; False on a name clash."""
    for item in _calls(stmts):
        entry = unit.blocks.get(item.name)
        if entry is None or item.name in open_:
            continue
        bdef, home = entry
        if item.name not in found:
            if not _reach(bdef.body, home, found, open_ | {item.name}) or item.name in found:
                return False
            found[item.name] = bdef
        if found[item.name] is not bdef:
            return False
    return True


def _calls(stmts: list):
    for st in stmts:
        if isinstance(st, ast.Bind) and isinstance(st.chain, ast.Chain):
            yield from _chain_calls(st.chain)
        elif isinstance(st, ast.If):
            for _, body in st.branches:
                yield from _calls(body)
            yield from _calls(st.orelse or [])
        elif isinstance(st, ast.For):
            yield from _calls(st.body)


def _chain_calls(chain: ast.Chain):
    for el in chain.elements:
        item = el.item
        if isinstance(item, ast.Call):
            yield item
        elif isinstance(item, ast.Group):
            yield from _chain_calls(item.chain)
        elif isinstance(item, ast.ChainIf):
            for _, ch in item.branches:
                yield from _chain_calls(ch)
            if item.orelse is not None:
                yield from _chain_calls(item.orelse)


# -- any graph: one statement per chain of layers -----------------------------------------------


def _flat(graph: Graph) -> str:
    for n in graph:
        _check_name(graph, n)
    order = graph.topo_order()
    runs: list[list[str]] = []
    for n in order:
        last = runs[-1][-1] if runs else None
        operands = graph.inputs_of(n)
        if (last is not None and operands and operands[0] == last and graph.nx.out_degree(last) == 1
                and last != graph.output and graph.op(last) != "input"):
            runs[-1].append(n)
        else:
            runs.append([n])
    value = {run[-1]: _value_name(graph, run[-1]) for run in runs}
    body: list = [ast.Option(k, ast.Literal(v, UNKNOWN_SPAN), UNKNOWN_SPAN) for k, v in graph.options.items()]
    for run in runs:
        if graph.op(run[0]) == "input":
            shape = graph.attrs(run[0]).shape
            body.append(ast.Input(run[0], [_dim(d) for d in shape], UNKNOWN_SPAN))
            continue
        body.append(_statement(graph, run, value))
    if graph.output is not None and value.get(graph.output) != "out":
        body.append(_bind("out", [_element(None, ast.Call(value[graph.output], [], [], False, UNKNOWN_SPAN))]))
    r = Renderer()
    r.block_or_model(ast.ModelDef(_model_name(graph.name), [], body, graph.doc, UNKNOWN_SPAN))
    return "\n".join(line.rstrip() for line in r.out) + "\n"


def _statement(graph: Graph, run: list[str], value: dict[str, str]) -> ast.Bind:
    target = value[run[-1]]
    elements = []
    first_ops = graph.inputs_of(run[0])
    if graph.opdef(run[0]).operands != "names":
        elements.append(_element(None, ast.Call(value[first_ops[0]], [], [], False, UNKNOWN_SPAN)))
    for k, n in enumerate(run):
        operands = graph.inputs_of(n)
        opdef = graph.opdef(n)
        if opdef.operands == "names":
            names = operands if k == 0 else operands[1:]
            args = [ast.Name(value[u], UNKNOWN_SPAN) for u in names]
            call = ast.Call(opdef.name, args, [], True, UNKNOWN_SPAN)
        else:
            call = _op_call(graph, n)
        label = None if (n == run[-1] and n == target) else ast.Name(n, UNKNOWN_SPAN)
        elements.append(_element(label, call))
    return _bind(target, elements)


def _op_call(graph: Graph, n: str) -> ast.Call:
    """`conv(64, 3, bias=false)`: attributes that differ from their defaults, leading ones by position."""
    attrs = graph.attrs(n)
    explicit, fields = attrs.explicit(), list(type(attrs).model_fields)
    lead = [k for k, f in enumerate(fields[:3]) if f in explicit]  # conv(64, 3, 2), maxpool(3, 2, 1)
    cut = lead[-1] + 1 if lead and lead[0] == 0 else 0
    if cut and "kernel" in fields[:3]:
        cut = max(cut, fields.index("kernel") + 1)  # conv(64, 3): the kernel, even at its default
    args = [ast.Literal(getattr(attrs, f), UNKNOWN_SPAN) for f in fields[:cut]]
    kwargs = [ast.Keyword(f, ast.Literal(explicit[f], UNKNOWN_SPAN), UNKNOWN_SPAN)
              for f in fields[cut:] if f in explicit]
    return ast.Call(graph.op(n), args, kwargs, bool(args or kwargs), UNKNOWN_SPAN)


def _value_name(graph: Graph, n: str) -> str:
    """The name a statement binds: the layer's path, except that `out` is the model's result."""
    if n != "out" or n == graph.output:
        return n
    k = 1
    while f"out_{k}" in graph:
        k += 1
    return f"out_{k}"


def _element(label, item) -> ast.Element:
    return ast.Element(label, item, None, UNKNOWN_SPAN)


def _bind(target: str, elements: list) -> ast.Bind:
    return ast.Bind(ast.Name(target, UNKNOWN_SPAN), ast.Chain(elements, UNKNOWN_SPAN), UNKNOWN_SPAN)


def _dim(d):
    return ast.Name("_", UNKNOWN_SPAN) if d is None else ast.Literal(d, UNKNOWN_SPAN)


def _model_name(name: str) -> str:
    return name if writable_model_name(name) else "model_"


def _check_name(graph: Graph, n: str) -> None:
    if not writable(n):
        raise GraphError(f"the layer name '{n}' cannot be written in .rg", graph.span(n), hint=NAME_HINT)
