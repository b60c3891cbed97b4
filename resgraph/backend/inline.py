"""The fx graph of a module whose blocks are modules, with every block call replaced by what it runs.

Pure fx work over the module tree: no IR beyond the tags, no ResgraphModule, so that the code
of ResgraphModule's own class (the model API's head cut, `split.py`) can use it where a cut falls
inside a block module (ConvNeXt's `head` group holds its classifier). Each copied node keeps its
meta (`resgraph_node`, `resgraph_op`) and its target gains the block's path (`conv1` in `layer1.0`
is `layer1.0.conv1`) and its name the block's path as a prefix (`layer1_0_conv1`), so the graph
runs against the module itself, whose block modules hold the layers at those paths; `flatten.py`
builds the flat module of the optimizer from the same walk. A layer of an nn.Sequential, which has no graph, is tagged from the IR as
the back end tags a layer.
"""

from __future__ import annotations

import copy
import operator
from typing import Any

from torch import fx, nn


def block_call(module: nn.Module, node: fx.Node) -> bool:
    """Whether the node calls a block module (a GraphModule or an nn.Sequential)."""
    return node.op == "call_module" and isinstance(module.get_submodule(node.target), (fx.GraphModule, nn.Sequential))


def fx_name(path: str) -> str:
    """The fx value name of an IR node: its path with dots as underscores (fx makes it unique)."""
    return path.replace(".", "_")


def inline_graph(module: fx.GraphModule, ir: Any = None, inlined: set[str] | None = None) -> fx.Graph:
    """`module`'s graph with its block modules' calls inlined, recursively; `ir` tags Sequential
    layers, and the paths of the block modules inlined are added to `inlined`."""
    flat = fx.Graph()
    _copy(flat, module, module.graph, "", None, ir, set() if inlined is None else inlined)
    return flat


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _copy(flat: fx.Graph, module: nn.Module, graph: fx.Graph, prefix: str, args: list | None, ir: Any,
          inlined: set[str]) -> Any:
    """Copy `graph` (of `module`, at path `prefix`) into `flat`, its placeholders bound to `args`
    (None: the root's, copied); returns what its output returns, a node or a tuple of them."""
    env: dict[fx.Node, Any] = {}
    inputs = iter(args or ())
    for node in graph.nodes:
        if node.op == "placeholder" and args is not None:
            env[node] = next(inputs)
        elif node.op == "output":
            value = fx.map_arg(node.args[0], env.__getitem__)
            if args is not None:
                return value
            flat.output(value).meta = copy.copy(node.meta)
        elif block_call(module, node):
            path = _join(prefix, node.target)
            inlined.add(path)
            env[node] = _call(flat, module.get_submodule(node.target), path,
                              fx.map_arg(node.args, env.__getitem__), ir, inlined)
        elif node.target is operator.getitem and isinstance(env.get(node.args[0]), tuple):
            env[node] = env[node.args[0]][node.args[1]]  # one output of an inlined block
        else:
            target = _join(prefix, node.target) if node.op in ("call_module", "get_attr") else node.target
            new = flat.create_node(node.op, target, fx.map_arg(node.args, env.__getitem__),
                                   fx.map_arg(node.kwargs, env.__getitem__),
                                   name=f"{fx_name(prefix)}_{node.name}" if prefix else node.name, type_expr=node.type)
            new.meta = copy.copy(node.meta)
            env[node] = new
    return None


def _call(flat: fx.Graph, block: nn.Module, path: str, args: tuple, ir: Any, inlined: set[str]) -> Any:
    """One block call: a GraphModule's graph, or an nn.Sequential's children in turn."""
    if isinstance(block, fx.GraphModule):
        return _copy(flat, block, block.graph, path, list(args), ir, inlined)
    (value,) = args
    for name, child in block.named_children():
        child_path = f"{path}.{name}"
        if isinstance(child, (fx.GraphModule, nn.Sequential)):
            inlined.add(child_path)
            value = _call(flat, child, child_path, (value,), ir, inlined)
            continue
        value = flat.create_node("call_module", child_path, (value,), name=fx_name(child_path))
        if ir is not None and child_path in ir:
            value.meta.update(resgraph_node=child_path, resgraph_op=ir.op(child_path))
    return value


__all__ = ["block_call", "fx_name", "inline_graph"]
