"""Squeeze-and-excitation (Hu et al. 2018, "Squeeze-and-Excitation Networks") in the ResNet
bottleneck.

Names follow timm's SEModule and Bottleneck with `attn_layer="se"`, so state_dict keys match
timm's `seresnet*` and `seresnext*`.
"""

block se(c: int, reduction: int = 16) {
    """Squeeze (global average), excite (1x1 reduce, ReLU, 1x1 expand, sigmoid): a gate per channel,
    [c, 1, 1], that rescales the block's features."""
    g = in -> adaptive_avgpool(1) -> fc1: conv(c // reduction, 1) -> relu -> fc2: conv(c, 1)
           -> sigmoid
    out = mul(in, g)
}

block se_bottleneck(planes: int, stride: int = 1, groups: int = 1, base_width: int = 64) {
    """torchvision's bottleneck (stride on the 3x3; `groups` and `base_width` give ResNeXt) with the
    SE gate on the residual branch, before the sum."""
    let width = planes * base_width // 64 * groups
    let expanded = planes * 4
    f = in -> conv1: conv(width, 1, bias=false) -> bn1: bn -> relu
           -> conv2: conv(width, 3, stride, groups=groups, bias=false) -> bn2: bn -> relu
           -> conv3: conv(expanded, 1, bias=false) -> bn3: bn -> se: se(expanded)
    s = if stride != 1 or in.channels != expanded {
            in -> downsample: [conv(expanded, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}
