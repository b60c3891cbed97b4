"""What the fx optimization passes share: recognizing ops in either spelling, reading channel counts,
telling fresh tensors from views.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import fx, nn

RELU_FUNCTIONS = {torch.relu, F.relu, torch.relu_}  # torch's spellings, not a table of resgraph ops


def module_of(gm: fx.GraphModule, node: fx.Node) -> nn.Module | None:
    return gm.get_submodule(node.target) if node.op == "call_module" else None


def is_module(gm: fx.GraphModule, node: fx.Node, kind: type | tuple[type, ...]) -> bool:
    return isinstance(module_of(gm, node), kind)


def is_relu(gm: fx.GraphModule, node: fx.Node) -> bool:
    """torch.relu / F.relu (the back end's spelling) or an nn.ReLU module (a traced eager model's)."""
    if node.op == "call_function":
        return node.target in RELU_FUNCTIONS and not node.kwargs.get("inplace", False)
    return is_module(gm, node, nn.ReLU)


def is_add(node: fx.Node) -> bool:
    return node.op == "call_function" and node.target in (operator.add, torch.add) and len(node.args) == 2 \
        and not node.kwargs


def is_cat(node: fx.Node) -> bool:
    """torch.cat(list, 1): the dense edge."""
    if node.op != "call_function" or node.target is not torch.cat:
        return False
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    return dim == 1 and isinstance(node.args[0], (list, tuple))


def fresh(gm: fx.GraphModule, node: fx.Node) -> bool:
    """Whether the node allocates its output (not a view, not an input, not a shared buffer).

    Known only for the node holding an op's output, which the back end tags with the op
    (`meta["resgraph_op"]`): its registry entry says whether the output is a view (`OpDef.view`).
    A pass that makes a node alias its input (an in-place op, a view of a buffer) drops the tag;
    an untagged node (a traced graph's, a pass's own) counts as not fresh.
    """
    from ..ir.ops.registry import get, is_op

    name = node.meta.get("resgraph_op")
    return name is not None and is_op(name) and get(name).view is None


def same_shape_add(gm: fx.GraphModule, add: fx.Node) -> bool:
    """Whether an add's two operands have one shape: the IR's add broadcasts (a [C, 1, 1] gate, a
    one-channel map), which a fused kernel does not. Read from shape propagation if it ran, else
    from the IR's inferred types of the operands; unknown counts as different."""
    shapes = [_shape(gm, a) for a in add.args]
    return None not in shapes and shapes[0] == shapes[1]


def _shape(gm: fx.GraphModule, node: object) -> tuple | None:
    """A value's shape without the batch: shape propagation's, else the IR type of the op whose
    output (or the input that) the fx value is; None for a pass's own or an op's inner values."""
    if not isinstance(node, fx.Node):
        return None
    meta = node.meta.get("tensor_meta")
    if hasattr(meta, "shape"):
        return tuple(meta.shape[1:])
    ir = gm.meta.get("resgraph", {}).get("graph") if hasattr(gm, "meta") else None
    name = node.meta.get("resgraph_node")
    if ir is None or name not in ir or not (node.op == "placeholder" or "resgraph_op" in node.meta):
        return None
    t = ir.type_of(name)
    dims = None if t is None else t.dims()
    return None if dims is None or None in dims else tuple(dims)


def called_once(gm: fx.GraphModule, node: fx.Node) -> bool:
    """Whether node's module is called from this node only (a traced model may share a layer)."""
    return node.op != "call_module" or sum(
        n.op == "call_module" and n.target == node.target for n in gm.graph.nodes) == 1


def single_user(node: fx.Node) -> fx.Node | None:
    users = list(node.users)
    return users[0] if len(users) == 1 else None


def channels(gm: fx.GraphModule, node: fx.Node) -> int | None:
    """A node's output channels: from shape propagation if it ran, else from the IR's inferred type."""
    meta = node.meta.get("tensor_meta")
    if meta is not None and hasattr(meta, "shape"):
        return int(meta.shape[1])
    ir = gm.meta.get("resgraph", {}).get("graph") if hasattr(gm, "meta") else None
    name = node.meta.get("resgraph_node")
    if ir is not None and name in ir:
        t = ir.type_of(name)
        return None if t is None else t.channels
    return None


def drop_module(gm: fx.GraphModule, target: str) -> None:
    """Delete a submodule that no fx node calls any more."""
    parent, _, name = target.rpartition(".")
    delattr(gm.get_submodule(parent) if parent else gm, name)


def finish(gm: fx.GraphModule) -> None:
    gm.graph.lint()
    gm.recompile()
