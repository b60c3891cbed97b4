"""Pre-activation ResNet-18 (He et al. 2016, "Identity Mappings in Deep Residual Networks"), named
as timm's `resnetv2_18` so its state_dict loads strictly: 11,687,720 parameters."""

block preact_basic(c: int, stride: int = 1) {
    """BN-ReLU before each 3x3 convolution, nothing after the sum; a projecting shortcut reads the
    pre-activated input (timm's PreActBasic)."""
    p = in -> norm1: bn -> relu
    f = p -> conv1: conv(c, 3, stride, bias=false) -> norm2: bn -> relu
          -> conv2: conv(c, 3, bias=false)
    s = if stride != 1 or in.channels != c {
            p -> downsample.conv: conv(c, 1, stride, bias=false)
        } else { in }
    out = add(f, s)  # no ReLU: the next block's norm1 activates it
}

model preact_resnet18(num_classes: int = 1000, in_channels: int = 3) {
    """timm.create_model("resnetv2_18"): a 7x7 stem without norm, four stages of two blocks, and a
    final BN-ReLU before the head (a 1x1 convolution, as timm's ClassifierHead(use_conv=True))."""
    input x[in_channels, 224, 224]
    out = x -> stem.conv: conv(64, 7, 2, bias=false) -> stem.pool: maxpool(3, 2, 1)
            -> stages.0.blocks: [preact_basic(64) * 2]
            -> stages.1.blocks: [preact_basic(128, 2) -> preact_basic(128)]
            -> stages.2.blocks: [preact_basic(256, 2) -> preact_basic(256)]
            -> stages.3.blocks: [preact_basic(512, 2) -> preact_basic(512)]
            -> norm: bn -> relu -> adaptive_avgpool(1) -> head.fc: conv(num_classes, 1) -> flatten
}
