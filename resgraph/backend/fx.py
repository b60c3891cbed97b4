"""IR → torch.fx.GraphModule, built node by node rather than traced.

Building the fx graph directly keeps the spec's structure visible in the result: every layer is
a submodule at its spec path (`layer1.0.conv1`), or a tensor held there (layer scale's
`stages.0.blocks.0.gamma`, read by a `get_attr` node), and every block instance, group and
repetition whose layers form a convex region (backend/nesting.py) is a module of its own at its
path, with its own graph, called from its parent's: hooks fire on blocks and torchvision's
feature extraction cuts where the spec does. Every fx value is named after its layer, relative to
the module it is in (`conv1` in `layer1.0`), and each fx node records the IR node it came from
(`meta["resgraph_node"]`), which the optimizer and the analysis tools use to map back; the node
holding an op's output also records the op (`meta["resgraph_op"]`), from whose registry entry the
passes read whether the value is a fresh tensor or a view of its input (`OpDef.view`). Each op
lowers itself in its registry entry (`OpDef.emit`) through `FxEmitter` (which implements
`ir.ops.base.EmitterProtocol`); this file only wires values together. backend/flatten.py puts
the blocks back into one graph for the optimizer.

Layers are registered in the order the spec's statements add them (the state_dict's key order: a
block that writes its shortcut first saves `downsample` before `norm1`, as timm does), whatever
order they compute in, and whichever scopes became modules (backend/tree.py). Layers are
constructed on the meta device and materialized once, then filled by `init.initialize`: no
weight is drawn twice, and global RNG state is never consumed when a seed is given.
"""

from __future__ import annotations

import operator
import re
from typing import Any

import networkx as nx
import torch
from torch import fx, nn

from ..errors import CompileError, UsageError
from ..ir import Graph
from ..ir.naming import name_problem
from .init import initialize, scheme_of
from .inline import fx_name
from .module import ResgraphModule
from .nesting import Region, plan
from .permutes import keep_channels_last
from .tree import graph_module, module_tree, replace, sequential


class FxEmitter:
    """What an op's `emit` calls to add nodes; every node it makes is tagged with the current IR node.

    `graph` is the fx graph of the region being emitted (`region`, "" for the root): targets and
    node names are the paths relative to it, while `modules` and `held` are keyed by full path."""

    def __init__(self, graph: fx.Graph, region: str = "") -> None:
        self.graph = graph
        self.region = region
        self.modules: dict[str, nn.Module] = {}  # IR node path → its layer
        self.held: dict[str, torch.Tensor] = {}  # IR node path → the tensor held there
        self.current = ""

    def module(self, module: nn.Module, *args: Any) -> fx.Node:
        """Register `module` at the current node's path and call it."""
        self._claim()
        self.modules[self.current] = module
        return self._node("call_module", self._relative(), args, {})

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
        return self._node("get_attr", self._relative(), (), {})

    def _claim(self) -> None:
        if self.current in self.modules or self.current in self.held:
            raise CompileError(f"op of '{self.current}' emits two modules or tensors; a node owns at most one")

    def function(self, fn: Any, *args: Any, **kwargs: Any) -> fx.Node:
        return self._node("call_function", fn, args, kwargs)

    def _relative(self) -> str:
        return self.current[len(self.region) + 1:] if self.region else self.current

    def _node(self, op: str, target: Any, args: tuple, kwargs: dict) -> fx.Node:
        node = self.graph.create_node(op, target, tuple(args), kwargs, name=fx_name(self._relative()))
        node.meta["resgraph_node"] = self.current
        return node


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
    live = nx.ancestors(graph.nx, graph.output) | {graph.output}
    root = plan(graph, live)
    emitter = FxEmitter(fx.Graph())
    graphs: dict[str, fx.Graph] = {}  # region path → its fx graph
    with torch.device("meta"):  # shapes only; init.initialize materializes and fills them
        _emit(graph, root, emitter, graphs)
    tree = module_tree(graph, emitter.modules, emitter.held, [p for p in graphs if p])
    for path in sorted(graphs, key=lambda p: -p.count(".")):  # innermost first
        if path:
            replace(tree, path, _block_module(graph, path, tree.get_submodule(path), graphs[path]))
    gm = graph_module(tree, graphs[""], class_name(graph.name), ResgraphModule)
    if device.type != "meta":  # under `with torch.device("meta")` the caller wants shapes only
        _materialize(gm, graph)
        initialize(gm, graph, seed)  # on the CPU, so a seed gives the same weights on any device
        gm.to(device)
    gm.meta["resgraph"] = {"graph": graph, "opt_level": 0}
    return gm


def _emit(graph: Graph, region: Region, emitter: FxEmitter, graphs: dict[str, fx.Graph]) -> None:
    """Emit `region`'s fx graph into `graphs` (its child regions' first, each called as one module):
    placeholders for the values it reads, one output (a tuple for several)."""
    fxg = fx.Graph()
    values: dict[str, Any] = {}  # IR node → its value in this region's graph
    sources = graph.inputs if not region.path else region.inputs
    names = sources if not region.path else ["x"] if len(sources) == 1 else [f"x{i}" for i in range(len(sources))]
    for source, name in zip(sources, names):
        node = fxg.placeholder(name)
        node.meta["resgraph_node"] = source
        values[source] = node
    for item in region.items:
        if isinstance(item, Region):
            _emit(graph, item, emitter, graphs)
            _call(fxg, region, item, values)
        elif item not in values:
            emitter.graph, emitter.region, emitter.current = fxg, region.path, item
            operands = graph.inputs_of(item)
            opdef = graph.opdef(item)
            values[item] = out = opdef.emit(
                emitter,
                graph.attrs(item),
                [values[u] for u in operands],
                [graph.type_of(u) for u in operands],
                graph.type_of(item),
            )
            if isinstance(out, fx.Node) and out.meta.get("resgraph_node") == item:  # not an input passed on
                out.meta["resgraph_op"] = opdef.name
    outputs = [graph.output] if not region.path else region.outputs
    fxg.output(values[outputs[0]] if len(outputs) == 1 else tuple(values[o] for o in outputs))
    keep_channels_last(fxg)  # runs of ops over channels: one permute in, one out
    fxg.lint()
    graphs[region.path] = fxg


def _call(fxg: fx.Graph, region: Region, child: Region, values: dict[str, Any]) -> None:
    """Call `child`'s module from `region`'s graph; its outputs become values (a getitem each where
    it gives several). The call node carries the scope, and the IR node of a single output."""
    rel = region.relative(child.path)
    call = fxg.create_node("call_module", rel, tuple(values[u] for u in child.inputs), name=fx_name(rel))
    call.meta["resgraph_scope"] = child.path
    if len(child.outputs) == 1:
        call.meta["resgraph_node"] = child.outputs[0]
        values[child.outputs[0]] = call
        return
    for i, out in enumerate(child.outputs):
        item = fxg.create_node("call_function", operator.getitem, (call, i), name=fx_name(region.relative(out)))
        item.meta["resgraph_node"] = out
        values[out] = item


def _block_module(graph: Graph, path: str, ns: nn.Module, fxg: fx.Graph) -> nn.Module:
    """The callable module of a region: an nn.Sequential where its graph is a plain chain of its
    children 0..k-1 (so `m.layer3[0]` is a block), else a GraphModule named after its block."""
    if _plain_chain(fxg, ns):
        return sequential(ns)
    scope = graph.scopes[path]
    name = class_name(scope.block) if scope.kind == "block" and scope.block else scope.kind.capitalize()
    return graph_module(ns, fxg, name)


def _plain_chain(fxg: fx.Graph, ns: nn.Module) -> bool:
    """placeholder -> self.0 -> self.1 -> ... -> output, the namespace holding those children only."""
    nodes = list(fxg.nodes)
    calls = nodes[1:-1]
    if not calls or list(ns._modules) != [str(i) for i in range(len(calls))] or ns._parameters or ns._buffers:
        return False
    previous = nodes[0]
    for i, node in enumerate(calls):
        whole = "resgraph_scope" in node.meta or "resgraph_op" in node.meta  # a block, or an op's one node
        if node.op != "call_module" or node.target != str(i) or node.args != (previous,) or node.kwargs or not whole:
            return False
        previous = node
    return nodes[0].op == "placeholder" and nodes[-1].args == (previous,)


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


__all__ = ["FxEmitter", "build_module", "class_name", "fx_name"]
