"""ResNet-D (He et al. 2019, "Bag of Tricks"): a deep stem and average-pool shortcuts, layer for layer
and name for name as timm builds `resnet50d`."""

import "resnet_d_blocks.rg"

model resnet50d(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3]) {
    """ResNet-50-D (He et al. 2019; timm resnet50d): 25,576,264 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    let n = layers  # blocks per stage
    out = x -> conv1: [
        conv(32, 3, 2, bias=false)
        -> bn
        -> relu
        -> conv(32, 3, bias=false)
        -> bn
        -> relu
        -> conv(64, 3, bias=false)
    ]
            -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
            -> layer1: bottleneck_d(64) * n[0]
            -> layer2: bottleneck_d(128, 2 if i == 0 else 1) * n[1] by i
            -> layer3: bottleneck_d(256, 2 if i == 0 else 1) * n[2] by i
            -> layer4: bottleneck_d(512, 2 if i == 0 else 1) * n[3] by i
            -> global_pool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}

model resnet101d = resnet50d(layers=[3, 4, 23, 3])
    """ResNet-101-D (He et al. 2019; timm resnet101d): 44,568,392 parameters."""
