"""Inference pass: a BatchNorm right after a convolution is an affine map, folded into its weights.

Applies wherever the conv's only user is the BN (a DenseNet layer's norm2 into conv1 included);
a BN after a concat (norm1) has no conv to fold into and stays.
"""

from __future__ import annotations

import torch
from torch import fx, nn

from .fx_match import called_once, drop_module, finish, module_of, single_user


@torch.no_grad()
def folded(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv computing bn(conv(x)) with bn in eval mode (running statistics)."""
    scale = bn.running_var.add(bn.eps).rsqrt()
    shift = -bn.running_mean * scale
    if bn.affine:
        scale, shift = scale * bn.weight, shift * bn.weight + bn.bias
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                    conv.dilation, conv.groups, bias=True, padding_mode=conv.padding_mode, device="meta")
    bias = conv.bias if conv.bias is not None else torch.zeros_like(shift)
    out.weight = nn.Parameter(conv.weight * scale.reshape(-1, 1, 1, 1))
    out.bias = nn.Parameter(bias * scale + shift)
    return out


def fold_bn(gm: fx.GraphModule) -> list[str]:
    changes = []
    convs = [n for n in gm.graph.nodes if type(module_of(gm, n)) is nn.Conv2d]
    for node in convs:
        conv = module_of(gm, node)
        user = single_user(node)
        bn = module_of(gm, user) if user is not None else None
        if type(bn) is not nn.BatchNorm2d or bn.running_mean is None or user.args[0] is not node:
            continue
        if not (called_once(gm, node) and called_once(gm, user)):  # a shared layer keeps its other call sites
            continue
        gm.add_submodule(node.target, folded(conv, bn))
        user.replace_all_uses_with(node)
        gm.graph.erase_node(user)
        drop_module(gm, user.target)
        changes.append(f"folded {user.target} into {node.target}")
    finish(gm)
    return changes
