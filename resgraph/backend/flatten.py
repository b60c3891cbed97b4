"""A module whose blocks are modules, as one flat fx graph: what the optimizer's passes rewrite.

At opt level 0 every convex scope is a submodule called from its parent's graph (backend/fx.py).
A pass that fuses a conv with the add after it must see both in one graph, so `flatten` inlines
every nested GraphModule and nn.Sequential call into one graph, node for node: targets gain the
submodule's path (`conv1` in `layer1.0` is `layer1.0.conv1`), names gain its path as a prefix
(`layer1_0_conv1`), and each node keeps its meta (`resgraph_node`, `resgraph_op`). The result is
the layout the back end built before blocks were modules: the same layers at the same paths
(shared, not copied), plain `nn.Module` namespaces where the block modules were, one graph, in
which a run of ops over channels that crossed a block boundary is again channels-last throughout.
"""

from __future__ import annotations

import copy
import operator
from typing import Any

from torch import fx, nn

from .fx import fx_name
from .module import ResgraphModule
from .permutes import keep_channels_last
from .tree import graph_module, namespace


def flatten(gm: fx.GraphModule) -> fx.GraphModule:
    """`gm` with every block module inlined; `gm` itself where none is called. `gm` is not changed:
    the result shares its layers and tensors, under new namespaces."""
    if not any(_nested(gm, node) for node in gm.graph.nodes):
        return gm
    ir = gm.meta.get("resgraph", {}).get("graph")
    flat = fx.Graph()
    inlined: set[str] = set()
    _inline(flat, gm, gm.graph, "", None, ir, inlined)
    keep_channels_last(flat)  # the permute pairs at block boundaries cancel, as in one graph
    flat.lint()
    cls = ResgraphModule if isinstance(gm, ResgraphModule) else fx.GraphModule
    above = {path.rsplit(".", i)[0] for path in inlined for i in range(path.count(".") + 1)}
    result = graph_module(_unnest(gm, "", above), flat, type(gm).__name__, cls)
    result.meta = {k: dict(v) if isinstance(v, dict) else v for k, v in gm.meta.items()}
    return result


def _nested(gm: nn.Module, node: fx.Node) -> bool:
    return node.op == "call_module" and isinstance(gm.get_submodule(node.target), (fx.GraphModule, nn.Sequential))


def _join(prefix: str, target: str) -> str:
    return f"{prefix}.{target}" if prefix else target


def _inline(flat: fx.Graph, module: nn.Module, graph: fx.Graph, prefix: str, args: list | None,
            ir: Any, inlined: set[str]) -> Any:
    """Copy `graph` (of `module`, at `prefix`) into `flat`, its placeholders bound to `args` (None:
    the root's, copied). Returns what its output returns: a node, or a tuple of them."""
    env: dict[fx.Node, Any] = {}
    placeholders = iter(args or ())
    for node in graph.nodes:
        if node.op == "placeholder" and args is not None:
            env[node] = next(placeholders)
        elif node.op == "output":
            value = fx.node.map_arg(node.args[0], env.__getitem__)
            if args is not None:
                return value
            flat.output(value).meta = copy.copy(node.meta)
        elif _nested(module, node):
            path = _join(prefix, node.target)
            inlined.add(path)
            env[node] = _call(flat, module.get_submodule(node.target), path,
                              fx.node.map_arg(node.args, env.__getitem__), ir, inlined)
        elif node.target is operator.getitem and isinstance(env.get(node.args[0]), tuple):
            env[node] = env[node.args[0]][node.args[1]]  # one output of an inlined block
        else:
            target = _join(prefix, node.target) if node.op in ("call_module", "get_attr") else node.target
            new = flat.create_node(node.op, target, fx.node.map_arg(node.args, env.__getitem__),
                                   fx.node.map_arg(node.kwargs, env.__getitem__),
                                   name=f"{fx_name(prefix)}_{node.name}" if prefix else node.name, type_expr=node.type)
            new.meta = copy.copy(node.meta)
            env[node] = new
    return None


def _call(flat: fx.Graph, sub: nn.Module, path: str, args: tuple, ir: Any, inlined: set[str]) -> Any:
    """Inline one call of a block module: a GraphModule's graph, or a Sequential's children in turn
    (each a layer called at its path, tagged from the IR as the back end tagged it, or a block)."""
    if isinstance(sub, fx.GraphModule):
        return _inline(flat, sub, sub.graph, path, list(args), ir, inlined)
    (value,) = args
    for name, child in sub.named_children():
        child_path = f"{path}.{name}"
        if isinstance(child, (fx.GraphModule, nn.Sequential)):
            inlined.add(child_path)
            value = _call(flat, child, child_path, (value,), ir, inlined)
            continue
        value = flat.create_node("call_module", child_path, (value,), name=fx_name(child_path))
        if ir is not None and child_path in ir:
            value.meta.update(resgraph_node=child_path, resgraph_op=ir.op(child_path))
    return value


def _unnest(module: nn.Module, path: str, above: set[str]) -> nn.Module:
    """The tree under `module` with each path in `above` (the inlined block modules and the
    namespaces holding them) a new plain namespace; layers and tensors shared."""
    if path and path not in above:
        return module
    ns = namespace(module)
    for name, child in module.named_children():
        ns._modules[name] = _unnest(child, _join(path, name), above)
    return ns


__all__ = ["flatten"]
