"""Residual blocks of torchvision's ResNet family (He et al. 2015, "Deep Residual Learning").

Names follow torchvision's BasicBlock and Bottleneck, so state_dict keys match theirs.
"""

block basic(planes: int, stride: int = 1, zero_init: bool = false) {
    """Two 3x3 convolutions and the skip edge: the block of ResNet-18 and ResNet-34."""
    f = in -> conv1: conv(planes, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(planes, 3, bias=false) -> bn2: bn(zero_init=zero_init)
    s = if stride != 1 or in.channels != planes {
            in -> downsample: [conv(planes, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}

block bottleneck(planes: int, stride: int = 1, groups: int = 1, base_width: int = 64,
                 zero_init: bool = false) {
    """1x1 reduce, 3x3, 1x1 expand (x4) and the skip edge: ResNet-50 and deeper.

    The stride sits on the 3x3 convolution (torchvision's "ResNet v1.5"); `groups` and
    `base_width` give ResNeXt and Wide ResNet.
    """
    let width = planes * base_width // 64 * groups
    let expanded = planes * 4
    f = in -> conv1: conv(width, 1, bias=false) -> bn1: bn -> relu
           -> conv2: conv(width, 3, stride, groups=groups, bias=false) -> bn2: bn -> relu
           -> conv3: conv(expanded, 1, bias=false) -> bn3: bn(zero_init=zero_init)
    s = if stride != 1 or in.channels != expanded {
            in -> downsample: [conv(expanded, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}
