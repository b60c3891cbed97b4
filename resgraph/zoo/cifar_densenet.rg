"""Huang et al. 2017's DenseNet-BC for CIFAR-10 (Sec. 3-4, Table 2): three dense blocks of
(depth - 4) / 6 bottleneck layers, a 3x3 stem of 2k channels, compression 0.5."""

import "densenet_blocks.rg"

model densenet_bc_100_k12(depth: int = 100, growth_rate: int = 12, num_classes: int = 10,
                          in_channels: int = 3, bn_size: int = 4, drop_rate: float = 0.0) {
    """DenseNet-BC (L=100, k=12) for CIFAR-10 (Huang et al. 2017, Table 2): 769,162 parameters."""
    option init = "kaiming_fan_in"
    input x[in_channels, 32, 32]
    let n = (depth - 4) // 6
    out = x -> features: densenet_features(growth_rate, [n, n, n], 2 * growth_rate, bn_size,
                                           drop_rate, stem="cifar")
            -> relu -> adaptive_avgpool(1) -> flatten -> classifier: linear(num_classes)
}

model densenet_bc_250_k24 = densenet_bc_100_k12(depth=250, growth_rate=24)
    """DenseNet-BC (L=250, k=24) for CIFAR-10 (Huang et al. 2017, Table 2): 15,324,406 parameters."""

model densenet_bc_190_k40 = densenet_bc_100_k12(depth=190, growth_rate=40)
    """DenseNet-BC (L=190, k=40) for CIFAR-10 (Huang et al. 2017, Table 2): 25,624,430 parameters."""
