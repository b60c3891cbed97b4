"""A compiled module's graph cut at the head: forward_features, forward_head and the pre-logits.

Each part is a function of the module itself, written by fx from a copy of the part's nodes with
`self` as its root: it reads the layers through the module's own attributes at every call, so
the parts hold no state of their own (no duplicate state_dict keys; `.to()`, `load_state_dict`
and `deepcopy` act on what they use) and compute exactly what `forward` computes.

Nodes are told apart by the IR node each fx node computes (`meta["resgraph_node"]`), read on the
root graph, so a module whose blocks are submodules is cut between its root-level calls; a node
without a tag (made by an optimizer pass) belongs to the head when it reads a head node. Where a
value the cut needs lives inside a block module (ConvNeXt's `head` group holds the classifier), the
cut is made on the graph with the block calls inlined (`inline.py`), whose layers have the same paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import fx

from ..errors import CompileError
from ..ir.model_parts import ModelParts
from .inline import inline_graph


class Split(NamedTuple):
    features: Callable[..., Any]  # (module, x) → the features
    head: Callable[..., Any]  # (module, features) → the output
    pre_logits: Callable[..., Any]  # (module, features) → what the classifier reads, as (N, C)


def split(module: fx.GraphModule, parts: ModelParts, ir_graph) -> Split:
    cut = _cut(module.graph, parts)
    if cut is None:  # what the cut needs is inside a block module
        cut = _cut(inline_graph(module, ir_graph), parts)
    if cut is None:
        raise CompileError("cannot cut the module at its head: its graph has no node where the features "
                           f"('{parts.features}') or the pre-logits ('{parts.pre_logits}') are",
                           hint="call forward_features/forward_head on the module resgraph.compile returned")
    graph, head, features, pre = cut
    t = ir_graph.type_of(parts.pre_logits)
    flatten = t is not None and t.is_map and all(s == 1 for s in t.spatial)  # a 1x1 map after the pool
    return Split(
        _function(_part(graph, lambda n: n not in head, features)),
        _function(_part(graph, head.__contains__, graph.output_node().args[0], features)),
        _function(_part(graph, head.__contains__, pre, features, flatten)),
    )


def _cut(graph: fx.Graph, parts: ModelParts) -> tuple[fx.Graph, set[fx.Node], fx.Node, fx.Node] | None:
    """The head's nodes, the one node they read from the body (the features: found from the head's
    side, since a pass may fuse the layer that computes them into another) and the pre-logits."""
    head = _head_nodes(graph, set(parts.head))
    if any(parts.features.startswith(n.meta.get("resgraph_scope", "\0") + ".") for n in head):
        return None  # a block module computing the features and head layers alike: cut inside it
    read = {u for n in head for u in n.all_input_nodes if u not in head and u.op != "get_attr"}
    if len(read) != 1:
        return None
    (features,) = read
    if parts.pre_logits == parts.features:
        return graph, head, features, features
    pre = _value_node(graph, parts.pre_logits)
    if pre is None or pre not in head:  # fused away: what the classifier's own first node reads
        first = next((n for n in graph.nodes if n.meta.get("resgraph_node") == parts.classifier), None)
        if first is None or "resgraph_scope" in first.meta:  # a block module's call: the cut is inside
            return None
        inputs = [u for u in first.all_input_nodes if u.op != "get_attr"]
        if len(inputs) != 1 or (inputs[0] not in head and inputs[0] is not features):
            return None
        pre = inputs[0]
    return graph, head, features, pre


def _value_node(graph: fx.Graph, name: str) -> fx.Node | None:
    """The node that yields IR node `name`'s value: the op's output node where there is one (it
    carries `resgraph_op`), else the last node tagged with the name (a block module's call)."""
    tagged = [n for n in graph.nodes if n.meta.get("resgraph_node") == name and n.op != "output"]
    out = [n for n in tagged if "resgraph_op" in n.meta]
    return (out or tagged or [None])[-1]


def _head_nodes(graph: fx.Graph, head_ir: set[str]) -> set[fx.Node]:
    head: set[fx.Node] = set()
    for node in graph.nodes:
        if node.op in ("placeholder", "output", "get_attr"):
            continue
        tag = node.meta.get("resgraph_node")
        if tag in head_ir or (tag is None and any(u in head for u in node.all_input_nodes)):
            head.add(node)
    for node in graph.nodes:
        if node not in head and node.op != "output" and any(u in head for u in node.all_input_nodes):
            raise CompileError(f"cannot cut the module at its head: node '{node.name}' reads the head's values",
                               hint="call forward_features/forward_head on the module resgraph.compile returned")
    return head


def _part(graph: fx.Graph, keep: Callable[[fx.Node], bool], result: Any, features: fx.Node | None = None,
          flatten: bool = False) -> fx.Graph:
    """A graph of the nodes `keep` selects that `result` needs (get_attr nodes as they are read),
    returning `result`; with `features`, that node is the graph's one input, else the graph's
    placeholders are."""
    part = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    if features is not None:
        env[features] = part.placeholder("features")

    def copy(n: fx.Node) -> fx.Node:
        if n not in env:  # a get_attr read by a kept node
            env[n] = part.node_copy(n, copy)
        return env[n]

    needed = _ancestors(result)
    for node in graph.nodes:
        if node.op == "placeholder" and features is None or (
                node.op not in ("placeholder", "get_attr", "output") and node in needed and keep(node)):
            env[node] = part.node_copy(node, copy)
    out = fx.map_arg(result, copy)
    if flatten:
        out = part.call_function(torch.flatten, (out, 1))
    part.output(out)
    return part


def _ancestors(result: Any) -> set[fx.Node]:
    found: set[fx.Node] = set()
    stack: list[fx.Node] = []
    fx.map_arg(result, stack.append)
    while stack:
        n = stack.pop()
        if n not in found:
            found.add(n)
            stack.extend(n.all_input_nodes)
    return found


def _function(graph: fx.Graph) -> Callable[..., Any]:
    """The graph's Python code as a function of (module, inputs...), reading layers from the module."""
    code = graph.python_code(root_module="self")
    namespace = dict(code.globals)
    exec(compile(code.src, "<resgraph split>", "exec"), namespace)  # noqa: S102 - fx's own code, as fx runs it
    return namespace["forward"]


__all__ = ["Split", "split"]
