"""SE-ResNets and SE-ResNeXts (Hu et al. 2018, "Squeeze-and-Excitation Networks"), layer for layer
and name for name as timm builds `seresnet50` and `seresnext50_32x4d`."""

import "seresnet_blocks.rg"

model seresnet50(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3],
                 groups: int = 1, width_per_group: int = 64) {
    """SE-ResNet-50 (Hu et al. 2018; timm seresnet50): 28,088,024 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    let g = groups
    let w = width_per_group
    let n = layers  # blocks per stage
    out = x -> conv1: conv(64, 7, 2, bias=false) -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
            -> layer1: se_bottleneck(64, 1, g, w) * n[0]
            -> layer2: se_bottleneck(128, 2 if i == 0 else 1, g, w) * n[1] by i
            -> layer3: se_bottleneck(256, 2 if i == 0 else 1, g, w) * n[2] by i
            -> layer4: se_bottleneck(512, 2 if i == 0 else 1, g, w) * n[3] by i
            -> global_pool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}

model seresnet101 = seresnet50(layers=[3, 4, 23, 3])
    """SE-ResNet-101 (Hu et al. 2018; timm seresnet101): 49,326,872 parameters."""

model seresnext50_32x4d = seresnet50(groups=32, width_per_group=4)
    """SE-ResNeXt-50 32x4d (Hu et al. 2018; timm seresnext50_32x4d): 27,559,896 parameters."""

model seresnext101_32x4d = seresnet50(layers=[3, 4, 23, 3], groups=32, width_per_group=4)
    """SE-ResNeXt-101 32x4d (Hu et al. 2018; timm seresnext101_32x4d): 48,955,416 parameters."""
