"""Pre-activation residual blocks (He et al. 2016, "Identity Mappings in Deep Residual Networks").

BN-ReLU comes before each convolution and nothing follows the sum, so the skip path is a pure
identity from block to block. Names follow timm's PreActBasic and PreActBottleneck, so state_dict
keys match timm's `resnetv2_*`.
"""

block preact_basic(c: int, stride: int = 1) {
    """BN-ReLU before each 3x3 convolution; a projecting shortcut reads the pre-activated input."""
    # the shortcut first: timm registers `downsample` before `norm1`, so the keys come in its order
    s = if stride != 1 or in.channels != c {
            p -> downsample.conv: conv(c, 1, stride, bias=false)
        } else { in }
    p = in -> norm1: bn -> relu
    f = p -> conv1: conv(c, 3, stride, bias=false) -> norm2: bn -> relu
          -> conv2: conv(c, 3, bias=false)
    out = add(f, s)  # no ReLU: the next block's norm1 activates it
}

block preact_bottleneck(c: int, stride: int = 1) {
    """BN-ReLU before the 1x1 reduce (to c / 4), the 3x3 (strided) and the 1x1 expand (to c)."""
    let mid = c // 4
    # the shortcut first: timm registers `downsample` before `norm1`, so the keys come in its order
    s = if stride != 1 or in.channels != c {
            p -> downsample.conv: conv(c, 1, stride, bias=false)
        } else { in }
    p = in -> norm1: bn -> relu
    f = p -> conv1: conv(mid, 1, bias=false) -> norm2: bn -> relu
          -> conv2: conv(mid, 3, stride, bias=false) -> norm3: bn -> relu
          -> conv3: conv(c, 1, bias=false)
    out = add(f, s)
}
