"""`reset_classifier(n)`: a new classifier layer, and a Graph that says so, so that saving stays true.

The module's IR (`meta["resgraph"]["graph"]`) is what `save_model` writes and what a loaded model
is rebuilt from, so the reset changes it with the layer: the classifier node gets `n` outputs (the
same op, e.g. `linear(n)`), or becomes an `identity` for `n == 0` (timm's convention: the model
then returns its pre-logits; it has no classifier layer), marked with `option classifier` so that
a later reset finds its place again. Where the spec has a `num_classes` parameter and the spec written with the new value
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
from . import checkpointing
from .init import initialize


def reset(module: fx.GraphModule, graph: Graph, parts: ModelParts, num_classes: int) -> Graph:
    """Replace the module's classifier layer in place; returns the Graph the module now follows.

    The module's graphs are made again from the new Graph (on the meta device: no weights), so a
    module reset to 0 classes and one loaded from its save are the same, with no classifier layer;
    every other layer stays the object it was, so an optimizer holding them keeps working.
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
    checkpointed = checkpointing.enabled(module)
    checkpointing.disable(module)
    if num_classes:
        layer = _layer(new, name)
        like = next(iter(old.parameters()), None) if old is not None else None
        like = like if like is not None else next(iter(module.parameters()), None)
        if like is not None:
            layer.to(device=like.device, dtype=like.dtype)
        layer.train(module.training)
        setattr(parent, leaf, layer)
    elif old is not None:
        delattr(parent, leaf)
    _adopt_graphs(module, new)
    if checkpointed:
        checkpointing.enable(module, new)
    return new


def _adopt_graphs(module: fx.GraphModule, graph: Graph) -> None:
    """Give the module (and each block module in it) the fx graph `graph` compiles to."""
    from .fx import build_module  # fx.py builds ResgraphModule, whose class imports this file

    with torch.device("meta"):
        fresh = build_module(graph)
    for path, gm in fresh.named_modules():
        if isinstance(gm, fx.GraphModule):
            (module.get_submodule(path) if path else module).graph = gm.graph


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


def _layer(graph: Graph, name: str) -> nn.Module:
    """The layer the graph's op makes at `name`, initialized by the model's scheme (global RNG, as timm)."""
    from .fx import FxEmitter  # fx.py builds ResgraphModule, whose class imports this file

    emitter = FxEmitter(fx.Graph())
    emitter.current = name
    (operand,) = graph.inputs_of(name)
    with torch.device("cpu"):
        graph.opdef(name).emit(emitter, graph.attrs(name), [emitter.graph.placeholder("x")],
                               [graph.type_of(operand)], graph.type_of(name))
    if name not in emitter.modules:
        raise UsageError(f"cannot reset '{name}': its op {graph.op(name)} makes no layer module")
    root = nn.Module()
    parent = root
    *prefix, leaf = name.split(".")
    for atom in prefix:
        parent.add_module(atom, nn.Module())
        parent = getattr(parent, atom)
    parent.add_module(leaf, emitter.modules[name])
    initialize(root, graph)
    return emitter.modules[name]


__all__ = ["reset"]
