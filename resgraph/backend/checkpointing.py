"""Gradient checkpointing of a compiled module's blocks (timm's `set_grad_checkpointing`).

The units are the repeated block instances (`ir.model_parts.checkpoint_units`: a ResNet's
bottlenecks, a DenseNet's dense blocks and transitions), each a submodule of a `-O0` module whose
blocks are modules. The fx node that calls a unit, in the graph of the module holding it, becomes
`torch.utils.checkpoint.checkpoint(unit, *args, use_reentrant=False)`; a unit inside an
nn.Sequential (a repetition, which has no graph of its own) is reached by unrolling the call of
the Sequential into one call per element, as timm's `checkpoint_seq` does. Every rewritten node
is marked (`meta["resgraph_checkpoint"]`), so turning it off restores the graphs as they were,
names and tags included. Nothing is added to the module tree: state_dict keys do not change.
"""

from __future__ import annotations

from typing import Any

from torch import fx, nn
from torch.utils.checkpoint import checkpoint

from ..errors import UsageError
from ..ir.model_parts import checkpoint_units

MARK = "resgraph_checkpoint"  # node meta: how to undo the rewrite


def enable(module: fx.GraphModule, graph) -> int:
    """Checkpoint every unit the module can call on its own; the number checkpointed."""
    disable(module)
    units = checkpoint_units(graph)
    done = 0
    for owner, node, unit_of in _calls(module, set(units)):
        if isinstance(unit_of, str):
            _wrap(owner, node)
        else:
            _unroll(owner, node, unit_of)
        done += 1
    if not done:
        why = ("its repeated blocks are not submodules it calls (its graph is flat, as opt level 1 makes it)"
               if units else "it repeats no block")
        raise UsageError(f"set_grad_checkpointing: model '{graph.name}' has nothing to checkpoint: {why}",
                         hint="checkpoint the opt level 0 module, whose blocks are modules" if units
                         else "checkpointing recomputes repeated blocks (two instances of one block side by side)")
    for gm in _graph_modules(module):
        gm.recompile()
    return done


def disable(module: fx.GraphModule) -> None:
    for gm in _graph_modules(module):
        marked = [n for n in gm.graph.nodes if MARK in n.meta]
        if not marked:
            continue
        for node in marked:
            if node.meta[MARK].get("last"):
                _restore(gm, node)
        gm.graph.lint()
        gm.recompile()


def enabled(module: fx.GraphModule) -> bool:
    return any(MARK in n.meta for gm in _graph_modules(module) for n in gm.graph.nodes)


def _graph_modules(module: nn.Module) -> list[fx.GraphModule]:
    return [m for m in module.modules() if isinstance(m, fx.GraphModule)]


def _calls(module: fx.GraphModule, units: set[str]):
    """(owner, call node, what) for each unit call: what is the unit's path, or for the call of an
    nn.Sequential holding units, the set of its elements' names to checkpoint."""
    found = []
    for path, owner in module.named_modules():
        if not isinstance(owner, fx.GraphModule):
            continue
        for node in list(owner.graph.nodes):
            if node.op != "call_module":
                continue
            full = f"{path}.{node.target}" if path else node.target
            callee = owner.get_submodule(node.target)
            if full in units and isinstance(callee, (fx.GraphModule, nn.Sequential)):
                found.append((owner, node, full))
            elif isinstance(callee, nn.Sequential) and not len(node.kwargs) and len(node.args) == 1:
                inner = {name for name, m in callee.named_children()
                         if f"{full}.{name}" in units and isinstance(m, (fx.GraphModule, nn.Sequential))}
                if inner:
                    found.append((owner, node, inner))
    return found


def _wrap(owner: fx.GraphModule, node: fx.Node) -> None:
    """`unit(*args)` → `checkpoint(unit, *args, use_reentrant=False)`, in place: the node keeps its
    name and tags (create_feature_extractor reads names), and undoing it needs nothing stored."""
    with owner.graph.inserting_before(node):
        unit = owner.graph.get_attr(node.target)
    unit.meta[MARK] = {}
    node.meta[MARK] = {"last": "wrap", "target": node.target}
    _to_checkpoint(node, unit, node.args)


def _unroll(owner: fx.GraphModule, node: fx.Node, units: set[str]) -> None:
    """`seq(x)` → `e1(x)`, `checkpoint(e2, ·)`, ...: the Sequential's elements called one by one,
    the last in the node itself."""
    g = owner.graph
    children = [name for name, _ in owner.get_submodule(node.target).named_children()]
    value: Any = node.args[0]
    with g.inserting_before(node):
        for k, name in enumerate(children):
            target = f"{node.target}.{name}"
            unit = g.get_attr(target) if name in units else None
            if unit is not None:
                unit.meta[MARK] = {}
            if k == len(children) - 1:
                break
            call = ("call_function", checkpoint, (unit, value), {"use_reentrant": False}) if unit is not None \
                else ("call_module", target, (value,), {})
            value = g.create_node(*call, name=target.replace(".", "_"))  # named after the element, as fx names calls
            value.meta[MARK] = {}
    node.meta[MARK] = {"last": "unroll", "target": node.target}
    if unit is None:
        node.target, node.args = target, (value,)
    else:
        _to_checkpoint(node, unit, (value,))


def _to_checkpoint(node: fx.Node, unit: fx.Node, args: tuple) -> None:
    node.op, node.target = "call_function", checkpoint
    node.args = (unit, *args)
    node.kwargs = {**node.kwargs, "use_reentrant": False}


def _restore(owner: fx.GraphModule, last: fx.Node) -> None:
    """Turn the node a `_wrap` or `_unroll` rewrote back into the call it was, in place, and drop
    the nodes the rewrite added (the mark holds no nodes: fx copies node meta shallowly, so a
    node kept there would point into the graph it was copied from)."""
    mark = last.meta.pop(MARK)
    added = []
    first = last
    while mark["last"] == "unroll":  # walk back along the unrolled elements
        value = _value_input(first)
        if not isinstance(value, fx.Node) or MARK not in value.meta or value.meta[MARK] or value.op == "get_attr":
            break
        added.append(value)
        first = value
    args = last.args[1:] if mark["last"] == "wrap" else (_value_input(first),)
    units = [u for n in [last, *added] for u in n.all_input_nodes if u.op == "get_attr" and MARK in u.meta]
    last.op, last.target = "call_module", mark["target"]
    last.args = args
    last.kwargs = {k: v for k, v in last.kwargs.items() if k != "use_reentrant"}
    for node in added:  # last added first: each reads the one before
        owner.graph.erase_node(node)
    for unit in units:
        if not unit.users:
            owner.graph.erase_node(unit)


def _value_input(node: fx.Node) -> Any:
    """What an element's call reads: after the unit for a checkpoint call, else its argument."""
    return node.args[1] if node.op == "call_function" else node.args[0]


__all__ = ["MARK", "disable", "enable", "enabled"]
