"""`reset_classifier(n)`: a new classifier layer, and a Graph that says so, so that saving stays true.

The module's IR (`meta["resgraph"]["graph"]`) is what `save_model` writes and what a loaded model
is rebuilt from, so the reset changes it with the layer: the classifier node gets `n` outputs (the
same op, e.g. `linear(n)`), or becomes an `identity` for `n == 0` (timm's convention: the model
then returns its pre-logits), marked with `option classifier` so that a later reset finds its
place again. Where the spec has a `num_classes` parameter and the spec written with the new value
is the new graph (`resgraph.compile("resnet50")` then `reset_classifier(10)`), the saved spec
keeps its blocks with `num_classes = 10`; otherwise it is saved flat (every layer at its path),
which loads back to the same module.
"""

from __future__ import annotations

import copy

import torch
from torch import fx, nn

from ..errors import ResgraphError, UsageError
from ..ir import Graph, ops
from ..ir.model_parts import ModelParts
from ..ir.verify import check
from ..syntax.loader import loads_graph
from ..syntax.unparse import structural_diff, to_rg
from .init import initialize


def reset(module: fx.GraphModule, graph: Graph, parts: ModelParts, num_classes: int) -> Graph:
    """Replace the module's classifier layer in place; returns the Graph the module now follows.

    Every other layer stays the object it was (an optimizer holding them keeps working). A reset
    to 0 puts an nn.Identity at the classifier's path; a module loaded from that save has no node
    there (an identity lowers to nothing), so a later reset gives its graph the call again.
    """
    if parts.classifier is None:
        raise UsageError(f"model '{graph.name}' has no classifier layer to reset: its head "
                         f"({', '.join(parts.head)}) holds no linear or conv",
                         hint='end the head with one, or name it: option classifier = "<layer>"')
    name = parts.classifier
    new = _graph_with(graph, name, num_classes)
    parent_path, _, leaf = name.rpartition(".")
    parent = module.get_submodule(parent_path) if parent_path else module
    old = parent._modules.get(leaf)
    if not num_classes:
        layer: nn.Module = nn.Identity()
    else:
        layer = _layer(new, name)
        like = next(iter(old.parameters()), None) if old is not None else None
        like = like if like is not None else next(iter(module.parameters()), None)
        if like is not None:
            layer.to(device=like.device, dtype=like.dtype)
    layer.train(module.training)
    setattr(parent, leaf, layer)
    if old is None:
        _call(module, new, name)
    return new


def _call(module: fx.GraphModule, graph: Graph, name: str) -> None:
    """Give the graph that computes the classifier's operand a call of the classifier, read where
    the graph's identity passed the operand on."""
    owner_path = next(p for p in _prefixes(name) if isinstance(module.get_submodule(p) if p else module,
                                                                fx.GraphModule))
    owner = module.get_submodule(owner_path) if owner_path else module
    (operand,) = graph.inputs_of(name)
    tagged = [n for n in owner.graph.nodes if n.meta.get("resgraph_node") == operand and n.op != "output"]
    value = ([n for n in tagged if "resgraph_op" in n.meta] or tagged or [None])[-1]
    after = set(graph.users_of(name))
    users = [u for u in (value.users if value is not None else ())
             if u.meta.get("resgraph_node") in after or (u.op == "output" and name == graph.output)]
    if not users:
        raise UsageError(f"cannot put a classifier at '{name}': the module's graph has no place where it is read",
                         hint="reset the classifier of the module resgraph.compile or load_model returned")
    with owner.graph.inserting_after(value):
        call = owner.graph.call_module(name[len(owner_path) + 1:] if owner_path else name, (value,))
    call.meta.update(resgraph_node=name, resgraph_op=graph.op(name))
    for user in users:
        user.replace_input_with(value, call)
    owner.graph.lint()
    owner.recompile()


def _prefixes(name: str) -> list[str]:
    """`a.b.c` → `a.b`, `a`, "": the namespaces around a layer, innermost first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, -1, -1)]


def _graph_with(graph: Graph, name: str, num_classes: int) -> Graph:
    """A copy of `graph` whose node `name` gives `num_classes` outputs (identity for 0), checked."""
    new = copy.copy(graph)
    new.nx = graph.nx.copy()  # fresh attribute dicts per node: the old graph keeps its types
    new.params, new.options = dict(graph.params), dict(graph.options)
    data = new.nx.nodes[name]
    data["op"], data["attrs"] = _classifier_op(graph, name, num_classes)
    if num_classes == 0:
        new.options["classifier"] = name  # an identity is no weighted layer: say where the slot is
    elif "num_classes" in new.params:
        new.params["num_classes"] = num_classes
    new.reset_types()
    check(new)
    if num_classes and new.type_of(name).channels != num_classes:
        raise UsageError(f"cannot give '{name}' {num_classes} outputs: its op {graph.op(name)} does not take the "
                         "number of outputs as its first argument", graph.span(name))
    _keep_savable(new)
    return new


def _classifier_op(graph: Graph, name: str, num_classes: int):
    span = graph.span(name)
    if num_classes == 0:
        return "identity", ops.get("identity").bind([], {}, span)
    opdef = graph.opdef(name)
    if opdef.name == "identity":  # a classifier reset to 0 before: a linear on vectors, a 1x1 conv on maps
        (operand,) = graph.inputs_of(name)
        if graph.type_of(operand).is_map:
            return "conv", ops.get("conv").bind([num_classes, 1], {}, span)
        return "linear", ops.get("linear").bind([num_classes], {}, span)
    attrs = graph.attrs(name)
    values = attrs.model_dump()
    values[next(iter(type(attrs).model_fields))] = num_classes  # linear, conv: the outputs come first
    return opdef.name, opdef.bind([], values, span)


def _keep_savable(graph: Graph) -> None:
    """Drop what `to_rg` cannot write back: where the spec with its blocks does not give this graph,
    it is saved flat, and a flat spec has no parameters."""
    if graph.provenance is None:
        graph.params = {}
        return
    try:
        again = loads_graph(to_rg(graph))
    except ResgraphError:
        again = None
    if again is None or structural_diff(graph, again) or again.params != graph.params or again.options != graph.options:
        graph.provenance = None
        graph.params = {}


class _Catch:
    """An `ir.ops.base.EmitterProtocol` that keeps the layer module an op's `emit` makes and builds
    nothing: backend.fx.FxEmitter would add it to a graph, and fx.py, which makes ResgraphModule,
    cannot be imported by the code of that class."""

    def __init__(self) -> None:
        self.layers: list[nn.Module] = []

    def module(self, module: nn.Module, *args):
        self.layers.append(module)
        return args[0] if args else None

    def function(self, fn, *args, **kwargs):
        return args[0] if args else None

    def parameter(self, shape):
        raise UsageError("a classifier op that holds a tensor at its own path cannot be reset")

    buffer = parameter


def _layer(graph: Graph, name: str) -> nn.Module:
    """The layer the graph's op makes at `name`, initialized by the model's scheme (global RNG, as timm)."""
    catch = _Catch()
    (operand,) = graph.inputs_of(name)
    with torch.device("cpu"):
        graph.opdef(name).emit(catch, graph.attrs(name), [None], [graph.type_of(operand)], graph.type_of(name))
    if len(catch.layers) != 1:
        raise UsageError(f"cannot reset '{name}': its op {graph.op(name)} makes {len(catch.layers)} layer modules, "
                         "not one")
    root = nn.Module()
    parent = root
    *prefix, leaf = name.split(".")
    for atom in prefix:
        parent.add_module(atom, nn.Module())
        parent = getattr(parent, atom)
    parent.add_module(leaf, catch.layers[0])
    initialize(root, graph)
    return catch.layers[0]


__all__ = ["reset"]
