"""Training pass: DenseNet layers whose stored activations grow linearly with depth.

Eager DenseNet keeps, for every layer, the concatenation of all earlier features and its
BatchNorm/ReLU output: O(L^2) memory per block. Following Pleiss et al. (2017), each layer's
`cat -> norm1 -> relu -> conv1 -> norm2 -> relu -> conv2` runs as one autograd function that keeps
only its inputs (stored anyway as earlier layers' outputs) and the bottleneck (conv1's output).
Backward recomputes the cheap concat, BatchNorm and ReLU; the convolutions are not recomputed,
which is what makes it cheaper than checkpointing the whole layer (torchvision's memory_efficient).
"""

from __future__ import annotations

import torch
from torch import fx, nn
from torch.nn.functional import relu

from .fx_match import finish, is_cat, is_relu, single_user

aten = torch.ops.aten


def _bn_train(x, bn: nn.BatchNorm2d):
    """Training-mode BatchNorm as nn.BatchNorm2d does it: (out, batch mean, batch invstd)."""
    momentum = bn.momentum
    if bn.track_running_stats:
        bn.num_batches_tracked.add_(1)
        if momentum is None:
            momentum = 1.0 / float(bn.num_batches_tracked)
    return aten.native_batch_norm(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, True,
                                  momentum or 0.0, bn.eps)


def _bn_relu_apply(x, bn, mean, invstd):
    """relu(bn(x)) as the forward computed it, from its saved batch statistics: one fused
    multiply-add pass and an in-place ReLU, not four passes over the concatenated features."""
    scale = invstd * bn.weight
    shift = bn.bias - mean * scale
    return torch.addcmul(shift.reshape(1, -1, 1, 1), x, scale.reshape(1, -1, 1, 1)).relu_()


def _conv_grads(grad, x, conv):
    gx, gw, _ = aten.convolution_backward(grad, x, conv.weight, None, conv.stride, conv.padding,
                                          conv.dilation, False, [0, 0], conv.groups, [True, True, False])
    return gx, gw


def _bn_relu_conv_backward(grad, x, bn, mean, invstd, conv):
    """Gradients through conv(relu(bn(x))), recomputing bn and relu: (grad x, grad γ, grad β, grad W)."""
    r = _bn_relu_apply(x, bn, mean, invstd)
    g, gw = _conv_grads(grad, r, conv)
    g = aten.threshold_backward(g, r, 0)
    del r
    g, gg, gb = aten.native_batch_norm_backward(g, x, bn.weight, None, None, mean, invstd, True,
                                                bn.eps, [True, True, True])
    return g, gg, gb, gw


PARAMS = ("norm1.weight", "norm1.bias", "conv1.weight", "norm2.weight", "norm2.bias", "conv2.weight")


def _params(norm1, conv1, norm2, conv2) -> list[torch.Tensor]:
    return [norm1.weight, norm1.bias, conv1.weight, norm2.weight, norm2.bias, conv2.weight]


class _DenseLayer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, mods, *tensors):
        norm1, conv1, norm2, conv2 = mods
        features = tensors[len(PARAMS):]
        with torch.no_grad():
            x = torch.cat(features, 1)
            y, m1, s1 = _bn_train(x, norm1)
            del x
            z = conv1(y.relu_())
            del y
            y2, m2, s2 = _bn_train(z, norm2)
            out = conv2(y2.relu_())
        ctx.mods = mods
        ctx.save_for_backward(z, m1, s1, m2, s2, *features)
        return out

    @staticmethod
    def backward(ctx, grad):
        norm1, conv1, norm2, conv2 = ctx.mods
        z, m1, s1, m2, s2, *features = ctx.saved_tensors
        with torch.no_grad():
            g, gg2, gb2, gw2 = _bn_relu_conv_backward(grad, z, norm2, m2, s2, conv2)
            x = torch.cat(features, 1)
            g, gg1, gb1, gw1 = _bn_relu_conv_backward(g, x, norm1, m1, s1, conv1)
            del x
            sizes = [f.shape[1] for f in features]
            grads = [part.clone() for part in torch.split(g, sizes, 1)]  # a view would pin all of g
        return (None, gg1, gb1, gw1, gg2, gb2, gw2, *grads)


def dense_layer(features: list[torch.Tensor], norm1, conv1, norm2, conv2) -> torch.Tensor:
    """One DenseNet layer; in training with autograd on, through the memory-efficient function."""
    if norm1.training and norm2.training and torch.is_grad_enabled():
        mods = (norm1, conv1, norm2, conv2)
        return _DenseLayer.apply(mods, *_params(*mods), *features)
    x = torch.cat(features, 1)
    return conv2(relu(norm2(conv1(relu(norm1(x))))))


def _fits(gm, node, kind) -> bool:
    m = gm.get_submodule(node.target) if node.op == "call_module" else None
    if kind is nn.BatchNorm2d:
        return type(m) is nn.BatchNorm2d and m.affine and m.track_running_stats
    return type(m) is nn.Conv2d and m.bias is None and m.padding_mode == "zeros"


def _layer_chain(gm, cat: fx.Node) -> list[fx.Node] | None:
    """[norm1, relu, conv1, norm2, relu, conv2] after a concat, each the only user of the one before."""
    chain, node = [], cat
    for want in (nn.BatchNorm2d, "relu", nn.Conv2d, nn.BatchNorm2d, "relu", nn.Conv2d):
        node = single_user(node)
        if node is None or node.args[0] is not (chain[-1] if chain else cat):
            return None
        if not (is_relu(gm, node) if want == "relu" else _fits(gm, node, want)):
            return None
        chain.append(node)
    return chain


def memory_efficient(gm: fx.GraphModule) -> list[str]:
    changes = []
    graph = gm.graph
    for cat in list(graph.nodes):
        chain = _layer_chain(gm, cat) if is_cat(cat) else None
        if chain is None:
            continue
        norm1, _, conv1, norm2, _, conv2 = chain
        with graph.inserting_before(conv2):
            mods = [graph.get_attr(n.target) for n in (norm1, conv1, norm2, conv2)]
            new = graph.call_function(dense_layer, (list(cat.args[0]), *mods))
        new.meta.update(conv2.meta)
        conv2.replace_all_uses_with(new)
        for dead in reversed([cat, *chain]):
            graph.erase_node(dead)
        changes.append(f"{conv1.target.rpartition('.')[0] or conv1.target}: recomputes concat, BN and ReLU in backward")
    finish(gm)
    return changes
