"""The submodule tree of a compiled module: layers at their spec paths, in the spec's order.

The tree is built once from the layers the ops emitted, with plain `nn.Module` namespaces; the
namespaces of the block modules are then swapped, in place, for callable modules (a GraphModule
running the region's graph, or an `nn.Sequential` for a plain chain of numbered children) holding
the same children, parameters and buffers in the same order, so `state_dict` keys and their order
do not depend on which scopes became modules. `flatten` swaps them back for plain namespaces.
"""

from __future__ import annotations

import torch
from torch import fx, nn

from ..errors import CompileError
from ..ir import Graph


def module_tree(graph: Graph, modules: dict[str, nn.Module], held: dict[str, torch.Tensor],
                namespaces: list[str] = ()) -> nn.Module:  # type: ignore[assignment]
    """Layers and held tensors placed at their dotted paths under one root, in the order the graph's
    nodes were added (the spec's statement order: the state_dict's key order); a path cannot be a
    layer (or a tensor) and a namespace. Each of `namespaces` (the block modules' paths) exists even
    where no layer in it holds weights, placed where its first node was added."""
    root = nn.Module()
    layers: dict[int, str] = {}  # id of a layer → its path, to tell layers from namespaces
    order = {name: i for i, name in enumerate(graph.nx.nodes)}  # the order the spec's statements add them
    first: dict[str, str] = {}  # a namespace → the first node added under it
    for name in order:
        parts = name.split(".")
        for i in range(1, len(parts)):
            first.setdefault(".".join(parts[:i]), name)
    entries = [(order[p], 1, p, p, v) for p, v in [*modules.items(), *held.items()]]
    entries += [(order[first[p]], 0, p, first[p], None) for p in namespaces]
    for _, _, path, node, value in sorted(entries, key=lambda e: e[:2]):
        parent = root
        atoms = path.split(".")
        *prefix, leaf = atoms
        for depth, atom in enumerate(atoms if value is None else prefix):
            child = parent._modules.get(atom)
            if child is None:
                if atom in parent._parameters or atom in parent._buffers:  # a held tensor
                    _conflict(graph, ".".join(atoms[:depth + 1]), node)
                child = nn.Module()
                parent.add_module(atom, child)
            elif id(child) in layers:
                _conflict(graph, layers[id(child)], node)
            parent = child
        if value is None:
            continue
        if leaf in parent._modules:
            _conflict(graph, path, next(p for p in [*modules, *held] if p.startswith(path + ".")))
        if isinstance(value, nn.Module):
            parent.add_module(leaf, value)
            layers[id(value)] = path
        elif isinstance(value, nn.Parameter):
            parent.register_parameter(leaf, value)
        else:
            parent.register_buffer(leaf, value)
    return root


def _conflict(graph: Graph, layer: str, inner: str) -> None:
    raise CompileError(
        f"'{layer}' is a layer and also the namespace of '{inner}'; module paths must not overlap",
        graph.span(inner),
        hint=f"rename '{layer}' or the scope around '{inner}'",
    )


def graph_module(namespace: nn.Module, graph: fx.Graph, class_name: str,
                 cls: type[fx.GraphModule] = fx.GraphModule) -> fx.GraphModule:
    """A GraphModule running `graph` over the children, parameters and buffers of `namespace`, in
    their order: fx's constructor copies only what the graph reads, in the order it reads it, so
    its copies are swapped for `namespace`'s own tables (one code generation, not two)."""
    gm = cls(namespace, graph, class_name=class_name)
    for table in (gm._modules, gm._parameters, gm._buffers):
        table.clear()
    _take(gm, namespace)
    return gm


def sequential(namespace: nn.Module) -> nn.Sequential:
    """`namespace`'s children 0..k-1 as an nn.Sequential (its children are already those)."""
    seq = nn.Sequential()
    _take(seq, namespace)
    return seq


def namespace(module: nn.Module) -> nn.Module:
    """A plain nn.Module holding `module`'s children, parameters and buffers (shared, in order)."""
    ns = nn.Module()
    _take(ns, module)
    return ns


def replace(root: nn.Module, path: str, new: nn.Module) -> None:
    """Put `new` at `path`, in the place of the module there (its position among its siblings kept)."""
    parent_path, _, leaf = path.rpartition(".")
    parent = root.get_submodule(parent_path)
    parent._modules[leaf] = new


def _take(target: nn.Module, source: nn.Module) -> None:
    target._modules.update(source._modules)
    target._parameters.update(source._parameters)
    target._buffers.update(source._buffers)
    target._non_persistent_buffers_set |= source._non_persistent_buffers_set
    target.training = source.training


__all__ = ["graph_module", "module_tree", "namespace", "replace", "sequential"]
