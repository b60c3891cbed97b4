"""CPU inference pass: convolutions run by oneDNN with their epilogues fused.

`conv -> relu` becomes one kernel with a ReLU post-op and `relu(conv(x) + other)` (the residual
edge) one kernel with an add and a ReLU post-op, so the activation never makes an extra pass over
memory. Where the residual's other operand is a fresh tensor that nothing reads afterwards (the
block's identity, or its downsample), the kernel accumulates into it in place: no new output is
allocated, which matters because a fresh large tensor costs a page fault per 4 KiB on first touch
(about as long as the convolution itself for ResNet's 56x56 stage at batch 16).

Weights are stored NHWC; on the first call with a given input shape each layer also keeps them in
oneDNN's blocked layout for that shape (the layout depends on it), since a plain weight is
reordered on every call: at batch 1 that reorder is most of the time of ResNet's last stage
(resnet50 batch 1: 88 -> 65 ms of convolution; batch 16 unchanged). Three-channel stems stay
plain (slower packed). Applies to float32 convolutions on CPU where PyTorch was built with oneDNN.
"""

from __future__ import annotations

import torch
from torch import fx, nn

from .fx_match import finish, fresh, is_add, is_relu, module_of, single_user

PACKED_SHAPES = 4  # input shapes whose packed weights a layer keeps


class FusedConv2d(nn.Module):
    """conv(x) [+ other] [-> relu] through torch.ops.mkldnn._convolution_pointwise."""

    fresh_output = True

    def __init__(self, conv: nn.Conv2d, relu: bool, add: bool, inplace: bool = False):
        super().__init__()
        self.args = ([*conv.padding], [*conv.stride], [*conv.dilation], conv.groups)
        self.register_buffer("weight", conv.weight.detach().contiguous(memory_format=torch.channels_last))
        self.register_buffer("bias", None if conv.bias is None else conv.bias.detach())
        self.unary = "relu" if relu else "none"
        self.add = add
        self.inplace = add and inplace
        self.kind = f"{'conv+add' if add else 'conv'}{'+relu' if relu else ''}{' in place' if self.inplace else ''}"
        self.pack = conv.in_channels >= 8
        self._packed: dict[tuple[int, ...], torch.Tensor] = {}

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """The weight in oneDNN's blocked layout for x's shape, made on first sight of that shape."""
        if not self.pack or torch.compiler.is_compiling():
            return self.weight
        key = tuple(x.shape)
        w = self._packed.get(key)
        if w is None:
            if len(self._packed) >= PACKED_SHAPES:
                self._packed.pop(next(iter(self._packed)))
            w = self._packed[key] = torch.ops.mkldnn._reorder_convolution_weight(
                self.weight, *self.args, list(key))
        return w

    def forward(self, x: torch.Tensor, other: torch.Tensor | None = None) -> torch.Tensor:
        w = self.packed(x)
        if self.inplace:  # the pass proved `other` dead after this call
            return torch.ops.mkldnn._convolution_pointwise_.binary(
                other, x, w, self.bias, *self.args, "add", None, self.unary, [], "")
        if self.add:
            return torch.ops.mkldnn._convolution_pointwise.binary(
                x, other, w, self.bias, *self.args, "add", None, self.unary, [], "")
        return torch.ops.mkldnn._convolution_pointwise(x, w, self.bias, *self.args, self.unary, [], "")

    def __getstate__(self):  # packed weights are a cache, remade after a copy
        return {**self.__dict__, "_packed": {}}

    def extra_repr(self) -> str:
        return self.kind


def applies(gm: fx.GraphModule) -> str | None:
    """Why the pass cannot run here (None when it can)."""
    if not torch.backends.mkldnn.is_available():
        return "PyTorch has no oneDNN"
    params = list(gm.parameters())
    if params and (params[0].device.type != "cpu" or params[0].dtype != torch.float32):
        return f"weights are {params[0].dtype} on {params[0].device.type}, not float32 on CPU"
    return None


def _epilogue(gm, node):
    """(add node, other operand, relu node) that can fuse after conv `node`; Nones where absent."""
    add = other = None
    user = single_user(node)
    if user is not None and is_add(user):
        add, other = user, next(a for a in user.args if a is not node)
        if other is node or not isinstance(other, fx.Node):
            add = other = None
    tail = single_user(add if add is not None else node)
    relu = tail if tail is not None and is_relu(gm, tail) else None
    return add, other, relu


def _dead_after(gm: fx.GraphModule, other: fx.Node, add: fx.Node) -> bool:
    """Whether `add` may overwrite `other`: a fresh tensor whose every other reader runs earlier
    and keeps no view of it."""
    if not fresh(gm, other):
        return False
    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    return all(u is add or (order[u] < order[add] and fresh(gm, u)) for u in other.users)


def mkldnn_conv(gm: fx.GraphModule) -> list[str]:
    if applies(gm) is not None:
        return []
    changes = []
    graph = gm.graph
    convs = [n for n in graph.nodes if type(module_of(gm, n)) is nn.Conv2d]
    for node in convs:
        conv = module_of(gm, node)
        if conv.padding_mode != "zeros" or isinstance(conv.padding, str):
            continue
        add, other, relu = _epilogue(gm, node)
        inplace = add is not None and _dead_after(gm, other, add)
        fused = FusedConv2d(conv, relu is not None, add is not None, inplace)
        gm.add_submodule(node.target, fused)
        last = relu or add or node
        if last is not node:
            with graph.inserting_before(last):
                new = graph.call_module(node.target, (node.args[0], other) if add else (node.args[0],))
            new.meta.update(node.meta)
            last.replace_all_uses_with(new)
            for dead in (relu, add, node):
                if dead is not None:
                    graph.erase_node(dead)
        changes.append(f"{node.meta.get('resgraph_node', node.target)}: oneDNN {fused.kind}")
    finish(gm)
    return changes
