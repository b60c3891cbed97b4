"""Pre-activation ResNets (He et al. 2016, "Identity Mappings"), layer for layer and name for name as
timm builds `resnetv2_18` and `resnetv2_50`: a stem without norm, stages of pre-activation blocks,
and the only post-activation (BN-ReLU) before the head, a 1x1 convolution as timm's
ClassifierHead(use_conv=True)."""

import "resnetv2_blocks.rg"

model resnetv2_18(num_classes: int = 1000, in_channels: int = 3, layers: list = [2, 2, 2, 2]) {
    """ResNetV2-18 (He et al. 2016; timm resnetv2_18): 11,687,720 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    let n = layers  # blocks per stage
    out = x -> stem.conv: conv(64, 7, 2, bias=false) -> stem.pool: maxpool(3, 2, 1)
            -> stages.0.blocks: preact_basic(64) * n[0]
            -> stages.1.blocks: preact_basic(128, 2 if i == 0 else 1) * n[1] by i
            -> stages.2.blocks: preact_basic(256, 2 if i == 0 else 1) * n[2] by i
            -> stages.3.blocks: preact_basic(512, 2 if i == 0 else 1) * n[3] by i
            -> norm: bn -> relu -> adaptive_avgpool(1) -> head.fc: conv(num_classes, 1) -> flatten
}

model resnetv2_34 = resnetv2_18(layers=[3, 4, 6, 3])
    """ResNetV2-34 (He et al. 2016; timm resnetv2_34): 21,795,880 parameters."""

model resnetv2_50(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3]) {
    """ResNetV2-50 (He et al. 2016; timm resnetv2_50): 25,549,352 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    let n = layers  # blocks per stage
    out = x -> stem.conv: conv(64, 7, 2, bias=false) -> stem.pool: maxpool(3, 2, 1)
            -> stages.0.blocks: preact_bottleneck(256) * n[0]
            -> stages.1.blocks: preact_bottleneck(512, 2 if i == 0 else 1) * n[1] by i
            -> stages.2.blocks: preact_bottleneck(1024, 2 if i == 0 else 1) * n[2] by i
            -> stages.3.blocks: preact_bottleneck(2048, 2 if i == 0 else 1) * n[3] by i
            -> norm: bn -> relu -> adaptive_avgpool(1) -> head.fc: conv(num_classes, 1) -> flatten
}

model resnetv2_101 = resnetv2_50(layers=[3, 4, 23, 3])
    """ResNetV2-101 (He et al. 2016; timm resnetv2_101): 44,541,480 parameters."""
