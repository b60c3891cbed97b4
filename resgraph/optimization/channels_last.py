"""Layout pass: convolutions on CPU (oneDNN) and on tensor cores run fastest on NHWC data.

The input is converted once at the entry and the 4-D weights still held by nn.Conv2d (where
mkldnn_conv, which runs first, did not pack them) are stored NHWC; every op in a
ResNet or DenseNet keeps the layout, so nothing converts back until the classifier's flatten.
"""

from __future__ import annotations

import torch
from torch import fx, nn

from .fx_match import finish
from .mkldnn_conv import FusedConv2d


def to_channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x


def channels_last(gm: fx.GraphModule) -> list[str]:
    if not any(isinstance(m, (nn.Conv2d, FusedConv2d)) for m in gm.modules()):
        return []
    for m in gm.modules():  # new tensors: the weights may be shared with the caller's module
        for name, p in list(m.named_parameters(recurse=False)):
            if p.dim() == 4:
                setattr(m, name, nn.Parameter(p.detach().contiguous(memory_format=torch.channels_last),
                                              p.requires_grad))
    changes = ["4-D weights stored channels_last"]
    for node in list(gm.graph.nodes):
        if node.op == "placeholder":
            with gm.graph.inserting_after(node):
                new = gm.graph.call_function(to_channels_last, (node,))
            node.replace_all_uses_with(new, delete_user_cb=lambda u: u is not new)
            changes.append(f"input {node.name} converted to channels_last")
    finish(gm)
    return changes
