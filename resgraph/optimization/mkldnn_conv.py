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
import torch.nn.functional as F
from torch import fx, nn

from .fx_match import called_once, finish, fresh, is_add, is_relu, module_of, same_shape_add, single_user
from .runtime_only import RuntimeOnly

PACKED_SHAPES = 4  # input shapes a layer keeps packed weights for


class FusedConv2d(RuntimeOnly, nn.Module):
    """conv(x) [+ other] [-> relu] through torch.ops.mkldnn._convolution_pointwise."""

    because = "its convolutions run as oneDNN calls with prepacked weights (-O1's mkldnn_conv)"

    def __init__(self, conv: nn.Conv2d, relu: bool, add: bool):
        super().__init__()
        self.args = ([*conv.padding], [*conv.stride], [*conv.dilation], conv.groups)
        self.register_buffer("weight", conv.weight.detach().contiguous(memory_format=torch.channels_last))
        self.register_buffer("bias", None if conv.bias is None else conv.bias.detach())
        self.unary = "relu" if relu else "none"  # the unary kernel's spelling of "no post-op"
        self.binary_unary = "relu" if relu else None  # the binary kernel's: it rejects "none"
        self.add = add
        self.inplace = False  # set by the pass once it knows `other` is dead after this call
        self.onednn = True  # False: torch's own conv (bf16 forced where oneDNN has no bf16 path)
        self.kind = f"{'conv+add' if add else 'conv'}{'+relu' if relu else ''}"
        self.pack = conv.in_channels >= 8
        self._packed: dict[tuple[int, ...], torch.Tensor] = {}
        self._stamp: tuple[int, int] | None = None  # the weight the packs were made from

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """The weight in oneDNN's blocked layout for x's shape, made on the first call with it.

        Packs are kept for the first PACKED_SHAPES input shapes (other shapes run with the plain
        weight, so a server with many batch sizes neither repacks per call nor grows without
        bound) and dropped when the weight tensor changes (load_state_dict, in-place edits).
        """
        weight = self.weight
        if not self.pack or torch.compiler.is_compiling():
            return weight
        stamp = (weight.data_ptr(), weight._version)
        packs = self._packed if self._stamp == stamp else {}
        key = tuple(x.shape)
        w = packs.get(key)
        if w is None:
            if len(packs) >= PACKED_SHAPES:
                return weight
            w = torch.ops.mkldnn._reorder_convolution_weight(weight, *self.args, list(key))
            packs = {**packs, key: w}  # a new dict, swapped in whole: concurrent calls see one or the other
            self._packed, self._stamp = packs, stamp  # only on a change: Module.__setattr__ is slow
        return w

    def forward(self, x: torch.Tensor, other: torch.Tensor | None = None) -> torch.Tensor:
        self.refuse_export()
        if not self.onednn:
            return self.unfused(x, other)
        w = self.packed(x)
        if self.inplace:  # the pass proved `other` dead after this call
            return torch.ops.mkldnn._convolution_pointwise_.binary(
                other, x, w, self.bias, *self.args, "add", None, self.binary_unary, [], "")
        if self.add:
            return torch.ops.mkldnn._convolution_pointwise.binary(
                x, other, w, self.bias, *self.args, "add", None, self.binary_unary, [], "")
        return torch.ops.mkldnn._convolution_pointwise(x, w, self.bias, *self.args, self.unary, [], "")

    def unfused(self, x: torch.Tensor, other: torch.Tensor | None) -> torch.Tensor:
        padding, stride, dilation, groups = self.args
        y = F.conv2d(x, self.weight, self.bias, stride, padding, dilation, groups)
        y = y + other if self.add else y
        return torch.relu(y) if self.unary == "relu" else y

    def __getstate__(self):  # packed weights are a cache, remade after a copy
        return {**self.__dict__, "_packed": {}, "_stamp": None}

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
    if user is not None and is_add(user) and same_shape_add(gm, user):
        add, other = user, next(a for a in user.args if a is not node)
        if other is node or not isinstance(other, fx.Node):
            add = other = None
    tail = single_user(add if add is not None else node)
    relu = tail if tail is not None and is_relu(gm, tail) else None
    return add, other, relu


def _fuse(gm: fx.GraphModule, node: fx.Node) -> FusedConv2d | None:
    """Replace conv `node` and its epilogue by one FusedConv2d call, placed where the add was (where
    both operands exist and `other` is read in the original order) or else where the conv was."""
    conv = module_of(gm, node)
    if conv.padding_mode != "zeros" or isinstance(conv.padding, str) or not called_once(gm, node):
        return None
    add, other, relu = _epilogue(gm, node)
    fused = FusedConv2d(conv, relu is not None, add is not None)
    gm.add_submodule(node.target, fused)
    last = relu or add or node
    if last is not node:
        with gm.graph.inserting_before(add or node):
            new = gm.graph.call_module(node.target, (node.args[0], other) if add else (node.args[0],))
        new.meta.update(node.meta)
        last.replace_all_uses_with(new)
        for dead in (relu, add, node):
            if dead is not None:
                gm.graph.erase_node(dead)
    return fused


def _dead_after(gm: fx.GraphModule, call: fx.Node, order: dict[fx.Node, int]) -> bool:
    """Whether fused residual `call` may write into its `other` operand: a fresh tensor that the
    call does not also convolve, whose every other reader runs earlier and keeps no view of it."""
    x, other = call.args
    if other is x or not fresh(gm, other):
        return False
    return all(u is call or (order[u] < order[call] and fresh(gm, u)) for u in other.users)


def mkldnn_conv(gm: fx.GraphModule) -> list[str]:
    if applies(gm) is not None:
        return []
    fused = {node.target: f for node in [n for n in gm.graph.nodes if type(module_of(gm, n)) is nn.Conv2d]
             if (f := _fuse(gm, node)) is not None}
    changes = []
    order = {n: i for i, n in enumerate(gm.graph.nodes)}  # final: the loop below only sets flags
    for call in [n for n in gm.graph.nodes if n.op == "call_module" and n.target in fused]:
        layer = fused[call.target]
        if layer.add and _dead_after(gm, call, order):  # decided on the final order of every read
            layer.inplace = True
            layer.kind += " in place"
        changes.append(f"{call.meta.get('resgraph_node', call.target)}: oneDNN {layer.kind}")
    finish(gm)
    return changes
