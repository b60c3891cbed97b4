"""The module calls of a trace as a tree of regions, and how each is written in the spec.

A region is one call of a module: the layers made while its forward ran, in trace order, with the
regions of the modules it called. Each is written one of four ways (`Region.kind`):

- "model": the root, the model's body;
- "block": an instance of a block, one per module class (and wiring) used more than once;
- "group": a labeled `[a -> b -> c]`, for a module whose layers form one chain (nn.Sequential);
- "inline": its layers written into the enclosing body under dotted labels (`conv_mid.0: ...`),
  for everything else: a module holding its own tensors (timm's BatchNormAct2d is the layer at
  its own path), one whose layers branch and join, a container of blocks that pass several
  tensors on (DPN's `features`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from torch import nn

from .layers import Layer, Layers


@dataclass(eq=False)
class Region:
    key: str  # the fx module-stack key of the call ("" for the root)
    path: str  # the module's path ("" for the root)
    cls: type
    parts: list[Union[Layer, "Region"]] = field(default_factory=list)
    parent: "Region | None" = None
    kind: str = "inline"
    inputs: list[int] = field(default_factory=list)  # layer indices read from outside, in first-use order
    outputs: list[int] = field(default_factory=list)  # its layers read outside (or the model's output)
    repeated: bool = False  # the module is called more than once: its calls cannot carry its path

    def layers(self):
        for p in self.parts:
            if isinstance(p, Region):
                yield from p.layers()
            else:
                yield p

    def regions(self):
        """Every region below this one, children before their parents."""
        for p in self.parts:
            if isinstance(p, Region):
                yield from p.regions()
                yield p

    def __repr__(self) -> str:
        return f"<Region {self.path or '(root)'} {self.cls.__name__} {self.kind}>"


def region_tree(net: Layers, flat: bool = False) -> Region:
    """The regions of a trace, entry concatenations moved to their callers, kinds decided
    (`flat`: every region inline, the model one body of dotted labels)."""
    root = Region("", "", type(net.root))
    for layer in net.layers[1:]:
        at = root
        for key in layer.scope:
            last = at.parts[-1] if at.parts else None
            if not (isinstance(last, Region) and last.key == key):
                path, cls = net.calls[key]
                last = Region(key, path, cls, parent=at)
                at.parts.append(last)
            at = last
        at.parts.append(layer)
    paths: dict[str, int] = {}
    for r in root.regions():
        paths[r.path] = paths.get(r.path, 0) + 1
    for r in root.regions():
        r.repeated = paths[r.path] > 1
    _wire(root, net)
    for r in list(root.regions()):
        _hoist_entry_concat(r, net)
    _wire(root, net)
    _decide_kinds(root, net)
    if flat:
        for r in root.regions():
            r.kind = "inline"
    return root


def _wire(root: Region, net: Layers) -> None:
    """Each region's inputs (read from outside, first use first) and outputs (read outside)."""
    users: dict[int, list[int]] = {}
    for layer in net.layers:
        for u in layer.operands:
            users.setdefault(u, []).append(layer.index)
    for r in [*root.regions(), root]:
        inside = {layer.index for layer in r.layers()}
        r.inputs = list(dict.fromkeys(u for layer in r.layers() for u in layer.operands if u not in inside))
        r.outputs = [i for i in sorted(inside)
                     if i == net.output or any(v not in inside for v in users.get(i, []))]


def _hoist_entry_concat(r: Region, net: Layers) -> None:
    """A region that starts by concatenating everything it reads (a DenseNet layer's
    `torch.cat(features, 1)`, a DPN block given both paths as a tuple) leaves the concat to its
    caller, so that its instances read one tensor and become instances of one block."""
    if r.parent is None or not r.parts or not isinstance(r.parts[0], Layer):
        return
    first = r.parts[0]
    if net_op_is_concat(first) and first.operands == r.inputs and not any(
            u in r.inputs for layer in list(r.layers())[1:] for u in layer.operands):
        r.parts.pop(0)
        parent = r.parent
        parent.parts.insert(parent.parts.index(r), first)
        first.scope = first.scope[: len(first.scope) - 1]
        if not r.parts:
            parent.parts.remove(r)
        else:
            inside = {layer.index for layer in r.layers()}
            r.inputs = list(dict.fromkeys(u for layer in r.layers() for u in layer.operands if u not in inside))


def net_op_is_concat(layer: Layer) -> bool:
    """A merge whose edges are the dense kind: the op whose operands a region can be given joined."""
    from ...ir.ops import get

    return get(layer.op).edge == "concat"


# -- kinds ------------------------------------------------------------------------------------------

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)  # a subclass with a forward of its own may be a block


def _decide_kinds(root: Region, net: Layers) -> None:
    root.kind = "model"
    classes: dict[str, int] = {}
    for r in root.regions():
        classes[class_key(r.cls)] = classes.get(class_key(r.cls), 0) + 1
    for r in root.regions():  # children first: a group needs its children's kinds
        parts = items_of(r)
        if _holds_itself(r) or not _contained(r) or (len(parts) == 1 and isinstance(parts[0], Layer)):
            r.kind = "inline"  # a module around one layer (timm's Sigmoid) is that layer
        elif classes[class_key(r.cls)] > 1 and _block_class(r) and r.path not in net.containers \
                and r.inputs and r.outputs:
            r.kind = "block"
        elif _is_chain(r):
            r.kind = "group"
        else:
            r.kind = "inline"


def class_key(cls: type) -> str:
    """A class by name: "torchvision.models.resnet.Bottleneck". A class made per instance (a
    torch.fx GraphModule's, named by its `class_name`) goes by that name, so that its instances
    are instances of one block."""
    name = cls.__qualname__ if "<locals>" not in cls.__qualname__ else cls.__name__
    return f"{cls.__module__}.{name}"


def _holds_itself(r: Region) -> bool:
    """A module whose tensors are its own (not a child's): its layer sits at the module's path."""
    return any(layer.path == r.path for layer in r.layers())


def _contained(r: Region) -> bool:
    """Everything the region names lies in its module's namespace (labels can be relative)."""
    prefix = r.path + "."
    return all(layer.path is None or layer.path.startswith(prefix) for layer in r.layers()) and \
        all(sub.path.startswith(prefix) for sub in r.regions())


def _block_class(r: Region) -> bool:
    """Classes whose instances become blocks: not plain containers, and not ones of numbered
    children (a block body cannot name its layers 0, 1, ...: those are groups)."""
    return r.cls not in _CONTAINERS and not _numbered_children(r)


def _numbered_children(r: Region) -> bool:
    labels = [relative(r.path, item_path(p)) for p in items_of(r)]
    return any(label is not None and re.fullmatch(r"\d+", label.split(".")[0]) for label in labels)


def item_path(p: Union[Layer, Region]) -> str | None:
    """The module path a part would be labeled with: a region's or a layer's (its tensors', or a
    stateless module's)."""
    return p.path if isinstance(p, Region) else (p.path or p.module)


def items_of(r: Region) -> list[Union[Layer, Region]]:
    """The parts a body of `r` writes: its layers and block or group regions, with inline regions
    opened up (their layers take dotted labels)."""
    out: list[Union[Layer, Region]] = []
    for p in r.parts:
        if isinstance(p, Region) and p.kind == "inline":
            out.extend(items_of(p))
        else:
            out.append(p)
    return out


def _is_chain(r: Region) -> bool:
    """One input, one output, and each part reads the one before it and nothing else."""
    if len(r.inputs) != 1 or len(r.outputs) != 1 or r.repeated:
        return False
    prev = r.inputs[0]
    parts = items_of(r)
    for p in parts:
        reads = p.operands if isinstance(p, Layer) else p.inputs
        gives = [p.index] if isinstance(p, Layer) else p.outputs
        if reads != [prev] or len(gives) != 1:
            return False
        prev = gives[0]
    if prev != r.outputs[0]:
        return False
    return group_positions(r) is not None


def group_positions(r: Region) -> list[int] | None:
    """Where each part of a group sits when numbered children must keep their numbers (`layer1.2`
    is the third element): the position of each part, gaps to be filled with `identity`; None
    when a numbered child would come after its number."""
    positions, k = [], 0
    for p in items_of(r):
        label = relative(r.path, item_path(p))
        first = label.split(".")[0] if label else None
        if first is not None and first.isdigit():
            if int(first) < k:
                return None
            k = int(first)
        positions.append(k)
        k += 1
    return positions


def relative(namespace: str, path: str | None) -> str | None:
    """`path` written inside `namespace`: layer1.0.conv1 in layer1.0 is conv1."""
    if path is None:
        return None
    if not namespace:
        return path
    return path[len(namespace) + 1:] if path.startswith(namespace + ".") else None
