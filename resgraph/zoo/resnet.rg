"""ResNets for ImageNet, layer for layer and name for name as torchvision.models builds them."""

import "resnet_blocks.rg"

model resnet18(num_classes: int = 1000, in_channels: int = 3, layers: list = [2, 2, 2, 2],
               zero_init_residual: bool = false) {
    """ResNet-18 (He et al. 2015; torchvision.models.resnet18): 11,689,512 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    let n = layers  # blocks per stage
    let z = zero_init_residual
    out = x -> conv1: conv(64, 7, 2, bias=false) -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
            -> layer1: [basic(64, 1, z) -> basic(64, 1, z) * (n[0] - 1)]
            -> layer2: [basic(128, 2, z) -> basic(128, 1, z) * (n[1] - 1)]
            -> layer3: [basic(256, 2, z) -> basic(256, 1, z) * (n[2] - 1)]
            -> layer4: [basic(512, 2, z) -> basic(512, 1, z) * (n[3] - 1)]
            -> avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}

model resnet34 = resnet18(layers=[3, 4, 6, 3])
    """ResNet-34 (He et al. 2015; torchvision.models.resnet34): 21,797,672 parameters."""

model resnet50(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3],
               groups: int = 1, width_per_group: int = 64, zero_init_residual: bool = false) {
    """ResNet-50 v1.5 (He et al. 2015; torchvision.models.resnet50): 25,557,032 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    let g = groups
    let w = width_per_group
    let n = layers  # blocks per stage
    let z = zero_init_residual
    out = x -> conv1: conv(64, 7, 2, bias=false) -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
            -> layer1: [bottleneck(64, 1, g, w, z) -> bottleneck(64, 1, g, w, z) * (n[0] - 1)]
            -> layer2: [bottleneck(128, 2, g, w, z) -> bottleneck(128, 1, g, w, z) * (n[1] - 1)]
            -> layer3: [bottleneck(256, 2, g, w, z) -> bottleneck(256, 1, g, w, z) * (n[2] - 1)]
            -> layer4: [bottleneck(512, 2, g, w, z) -> bottleneck(512, 1, g, w, z) * (n[3] - 1)]
            -> avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}

model resnet101 = resnet50(layers=[3, 4, 23, 3])
    """ResNet-101 v1.5 (He et al. 2015; torchvision.models.resnet101): 44,549,160 parameters."""

model resnet152 = resnet50(layers=[3, 8, 36, 3])
    """ResNet-152 v1.5 (He et al. 2015; torchvision.models.resnet152): 60,192,808 parameters."""

model wide_resnet50_2 = resnet50(width_per_group=128)
    """Wide ResNet-50-2 (Zagoruyko & Komodakis 2016; torchvision.models.wide_resnet50_2):
    bottlenecks twice as wide, 68,883,240 parameters."""

model resnext50_32x4d = resnet50(groups=32, width_per_group=4)
    """ResNeXt-50 32x4d (Xie et al. 2017; torchvision.models.resnext50_32x4d): 32 groups
    of width 4 in the 3x3 convolutions, 25,028,904 parameters."""
