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


from torch import fx, nn

from .inline import block_call, inline_graph
from .module import ResgraphModule
from .permutes import keep_channels_last
from .tree import graph_module, namespace


def flatten(gm: fx.GraphModule) -> fx.GraphModule:
    """`gm` with every block module inlined; `gm` itself where none is called. `gm` is not changed:
    the result shares its layers and tensors, under new namespaces."""
    if not any(block_call(gm, node) for node in gm.graph.nodes):
        return gm
    inlined: set[str] = set()
    flat = inline_graph(gm, gm.meta.get("resgraph", {}).get("graph"), inlined)
    keep_channels_last(flat)  # the permute pairs at block boundaries cancel, as in one graph
    flat.lint()
    cls = ResgraphModule if isinstance(gm, ResgraphModule) else fx.GraphModule
    above = {path.rsplit(".", i)[0] for path in inlined for i in range(path.count(".") + 1)}
    result = graph_module(_unnest(gm, "", above), flat, type(gm).__name__, cls)
    result.meta = {k: dict(v) if isinstance(v, dict) else v for k, v in gm.meta.items()}
    return result


def _unnest(module: nn.Module, path: str, above: set[str]) -> nn.Module:
    """The tree under `module` with each path in `above` (the inlined block modules and the
    namespaces holding them) a new plain namespace; layers and tensors shared."""
    if path and path not in above:
        return module
    ns = namespace(module)
    for name, child in module.named_children():
        ns._modules[name] = _unnest(child, f"{path}.{name}" if path else name, above)
    return ns


__all__ = ["flatten"]
