"""DenseNets for ImageNet, layer for layer and name for name as torchvision.models builds them."""

import "densenet_blocks.rg"

model densenet121(num_classes: int = 1000, in_channels: int = 3, growth_rate: int = 32,
                  block_config: list = [6, 12, 24, 16], num_init_features: int = 64,
                  bn_size: int = 4, drop_rate: float = 0.0) {
    """DenseNet-121 (Huang et al. 2017; torchvision.models.densenet121): 7,978,856 parameters."""
    option init = "kaiming_fan_in"
    input x[in_channels, 224, 224]
    out = x -> features: densenet_features(growth_rate, block_config, num_init_features, bn_size,
                                           drop_rate)
            -> relu -> adaptive_avgpool(1) -> flatten -> classifier: linear(num_classes)
}

model densenet161 = densenet121(growth_rate=48, block_config=[6, 12, 36, 24], num_init_features=96)
    """DenseNet-161 (Huang et al. 2017; torchvision.models.densenet161): 28,681,000 parameters."""

model densenet169 = densenet121(block_config=[6, 12, 32, 32])
    """DenseNet-169 (Huang et al. 2017; torchvision.models.densenet169): 14,149,480 parameters."""

model densenet201 = densenet121(block_config=[6, 12, 48, 32])
    """DenseNet-201 (Huang et al. 2017; torchvision.models.densenet201): 20,013,928 parameters."""

model densenet264 = densenet121(block_config=[6, 12, 64, 48])
    """DenseNet-264 (Huang et al. 2017, Table 1, k=32) with torchvision's stem and names:
    33,337,704 parameters. Not a torchvision builder; its DenseNet class with this
    configuration is the reference."""
