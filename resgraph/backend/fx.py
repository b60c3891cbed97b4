"""IR → torch.fx.GraphModule, built node by node rather than traced.

Building the fx graph directly keeps the spec's structure visible in the result: every layer is
a submodule at its spec path (`layer1.0.conv1`), or a tensor held there (layer scale's
`stages.0.blocks.0.gamma`, read by a `get_attr` node), every fx value is named after its layer
(`layer1_0_conv1`), and each fx node records the IR node it came from (`meta["resgraph_node"]`),
which the optimizer and the analysis tools use to map back; the node holding an op's output also
records the op (`meta["resgraph_op"]`), from whose registry entry the passes read whether the
value is a fresh tensor or a view of its input (`OpDef.view`). Each op lowers itself in its registry entry (`OpDef.emit`) through
`FxEmitter` (which implements `ir.ops.base.EmitterProtocol`); this file only wires values together.

Layers are registered in the order the spec's statements add them (the state_dict's key order: a
block that writes its shortcut first saves `downsample` before `norm1`, as timm does), whatever
order they compute in. Layers are constructed on the meta device and materialized once, then filled by `init.initialize`:
no weight is drawn twice, and global RNG state is never consumed when a seed is given.
"""

from __future__ import annotations

import re
from typing import Any

import networkx as nx
import torch
from torch import fx, nn

from ..errors import CompileError, UsageError
from ..ir import Graph
from ..ir.naming import name_problem
from .init import initialize, scheme_of
from .module import ResgraphModule
from .permutes import keep_channels_last


class FxEmitter:
    """What an op's `emit` calls to add nodes; every node it makes is tagged with the current IR node."""

    def __init__(self, graph: fx.Graph) -> None:
        self.graph = graph
        self.modules: dict[str, nn.Module] = {}  # IR node path → its layer
        self.held: dict[str, torch.Tensor] = {}  # IR node path → the tensor held there
        self.current = ""

    def module(self, module: nn.Module, *args: Any) -> fx.Node:
        """Register `module` at the current node's path and call it."""
        self._claim()
        self.modules[self.current] = module
        return self._node("call_module", self.current, args, {})

    def parameter(self, shape: tuple[int, ...]) -> fx.Node:
        """Hold a trainable tensor at the current node's path and read it: a node `gamma` in
        `blocks.0` is the parameter `gamma` of the namespace `blocks.0`, its key `blocks.0.gamma`.
        fx keeps a `get_attr` target through every rebuild of the GraphModule, unlike a hook."""
        return self._hold(nn.Parameter(torch.empty(shape)))

    def buffer(self, shape: tuple[int, ...]) -> fx.Node:
        """As `parameter`, for a tensor that is saved but not trained."""
        return self._hold(torch.empty(shape))

    def _hold(self, tensor: torch.Tensor) -> fx.Node:
        self._claim()
        self.held[self.current] = tensor
        return self._node("get_attr", self.current, (), {})

    def _claim(self) -> None:
        if self.current in self.modules or self.current in self.held:
            raise CompileError(f"op of '{self.current}' emits two modules or tensors; a node owns at most one")

    def function(self, fn: Any, *args: Any, **kwargs: Any) -> fx.Node:
        return self._node("call_function", fn, args, kwargs)

    def _node(self, op: str, target: Any, args: tuple, kwargs: dict) -> fx.Node:
        node = self.graph.create_node(op, target, tuple(args), kwargs, name=fx_name(self.current))
        node.meta["resgraph_node"] = self.current
        return node


def fx_name(path: str) -> str:
    """The fx value name of an IR node: its path with dots as underscores (fx makes it unique)."""
    return path.replace(".", "_")


def class_name(model: str) -> str:
    """`tiny_resnet` → `TinyResnet`, `wide_resnet50_2` → `WideResnet50_2`: a Python class name."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", model) if p]
    name = ""
    for part in parts:
        joint = "_" if name[-1:].isdigit() and part[0].isdigit() else ""
        name += joint + part[0].upper() + part[1:]
    return name if name and not name[0].isdigit() else f"Model{name}"


def build_module(graph: Graph, *, seed: int | None = None) -> fx.GraphModule:
    """Lower a checked Graph to a trainable GraphModule (opt level 0), weights initialized.

    The module lands on torch's default device (`with torch.device("meta")` gives shapes only).
    Layers that do not feed the output (reported as warnings by the checker) are left out.
    """
    _require_checked(graph)
    scheme_of(graph)  # an unknown scheme is an error even where nothing gets initialized
    device = torch.get_default_device()
    fxg = fx.Graph()
    emitter = FxEmitter(fxg)
    values: dict[str, Any] = {}
    for name in graph.inputs:
        node = fxg.placeholder(name)
        node.meta["resgraph_node"] = name
        values[name] = node
    live = nx.ancestors(graph.nx, graph.output) | {graph.output}
    with torch.device("meta"):  # shapes only; init.initialize materializes and fills them
        for name in graph.topo_order():
            if name in values or name not in live:
                continue
            operands = graph.inputs_of(name)
            emitter.current = name
            opdef = graph.opdef(name)
            values[name] = out = opdef.emit(
                emitter,
                graph.attrs(name),
                [values[u] for u in operands],
                [graph.type_of(u) for u in operands],
                graph.type_of(name),
            )
            if isinstance(out, fx.Node) and out.meta.get("resgraph_node") == name:  # not an input passed on
                out.meta["resgraph_op"] = opdef.name
    fxg.output(values[graph.output])
    keep_channels_last(fxg)  # runs of ops over channels: one permute in, one out
    gm = ResgraphModule(nn.Module(), fx.Graph(), class_name=class_name(graph.name))
    root = _module_tree(graph, emitter.modules, emitter.held)
    for name, child in root.named_children():  # fx would copy them in fx node order, not in the spec's
        gm.add_module(name, child)
    for name, tensor in [*root._parameters.items(), *root._buffers.items()]:
        (gm.register_parameter if isinstance(tensor, nn.Parameter) else gm.register_buffer)(name, tensor)
    gm.graph = fxg
    if device.type != "meta":  # under `with torch.device("meta")` the caller wants shapes only
        _materialize(gm, graph)
        initialize(gm, graph, seed)  # on the CPU, so a seed gives the same weights on any device
        gm.to(device)
    gm.meta["resgraph"] = {"graph": graph, "opt_level": 0}
    gm.graph.lint()
    return gm


def unoptimized_graph(module: Any, use: str, hint: str) -> Graph:
    """The IR a level-0 module was compiled from; `use` names the caller in its refusals.

    Saving and standalone code both rebuild a module from its IR, which an optimized module no
    longer matches (its fused layers are resgraph's own), so both refuse the same two cases.
    """
    meta = module.meta.get("resgraph") if isinstance(module, fx.GraphModule) else None
    if meta is None:
        raise UsageError(f"{use} expects a module compiled by resgraph (resgraph.compile)",
                         hint="pass the module resgraph.compile returned")
    if meta["opt_level"] != 0:
        raise UsageError(f"{use} needs the opt level 0 module, not an optimized one (level {meta['opt_level']}: "
                         "its fused layers are resgraph's own and its weights no longer match the spec)", hint=hint)
    return meta["graph"]


def _materialize(module: nn.Module, graph: Graph) -> None:
    """Give every meta parameter and buffer uninitialized CPU storage, as `to_empty` does.

    `to_empty` goes through `empty_like` on meta tensors, whose first use in a process imports
    torch's Python reference implementations (~0.5 s measured); `torch.empty` costs nothing extra.
    A tensor the machine cannot hold (the checker bounds sizes, not memory) is a located error.
    """
    made: dict[int, torch.Tensor] = {}  # keeps a tensor shared between layers shared

    def empty(t: torch.Tensor, path: str, name: str) -> torch.Tensor:
        if id(t) not in made:
            try:
                new = torch.empty(t.shape, dtype=t.dtype, device="cpu")
            except (RuntimeError, MemoryError):
                total = sum(p.numel() * p.element_size() for p in module.parameters())
                raise CompileError(
                    f"cannot allocate the {t.numel() * t.element_size():,} bytes of '{path}.{name}' "
                    f"(the model's parameters need {total:,} bytes)",
                    graph.span(path) if path in graph else None,
                    hint="make the model smaller, or compile it on a machine with more memory",
                ) from None
            made[id(t)] = nn.Parameter(new, t.requires_grad) if isinstance(t, nn.Parameter) else new
        return made[id(t)]

    for path, m in module.named_modules():
        for table in (m._parameters, m._buffers):
            for name, t in table.items():
                if t is not None:
                    table[name] = empty(t, path, name)


def _require_checked(graph: Graph) -> None:
    if graph.output is None or any(graph.type_of(n) is None for n in graph):
        raise CompileError(
            f"graph '{graph.name}' is not checked: some layers have no inferred type",
            hint="load it with resgraph.load/loads, or run resgraph.ir.verify.check(graph) first",
        )
    for name in graph:  # check refuses these too; a graph inferred node by node may still hold one
        problem = name_problem(name)
        if problem:
            raise CompileError(problem[1], graph.span(name), hint=problem[2])


def _module_tree(graph: Graph, modules: dict[str, nn.Module], held: dict[str, torch.Tensor]) -> nn.Module:
    """Layers and held tensors placed at their dotted paths under one root, in the order the graph's
    nodes were added (the spec's statement order: the state_dict's key order); a path cannot be a
    layer (or a tensor) and a namespace."""
    root = nn.Module()
    layers: dict[int, str] = {}  # id of a layer → its path, to tell layers from namespaces
    order = {name: i for i, name in enumerate(graph.nx.nodes)}  # the order the spec's statements add them
    for path, value in sorted([*modules.items(), *held.items()], key=lambda item: order[item[0]]):
        parent = root
        *prefix, leaf = path.split(".")
        for depth, atom in enumerate(prefix):
            child = parent._modules.get(atom)
            if child is None:
                if atom in parent._parameters or atom in parent._buffers:  # a held tensor
                    _conflict(graph, ".".join(prefix[:depth + 1]), path)
                child = nn.Module()
                parent.add_module(atom, child)
            elif id(child) in layers:
                _conflict(graph, layers[id(child)], path)
            parent = child
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


__all__ = ["FxEmitter", "build_module", "class_name", "fx_name"]
