"""He et al. 2015's plain CIFAR-10 baselines (Sec. 4.2, Fig. 6 left): the layout of the CIFAR
ResNets without any skip edge, for comparing how depth trains with and without shortcuts."""

import "cifar_blocks.rg"

model cifar_plain20(depth: int = 20, num_classes: int = 10, in_channels: int = 3) {
    """Plain-20 for CIFAR-10 (He et al. 2015, Fig. 6): cifar_resnet20 without shortcuts,
    269,722 parameters (option A shortcuts have none, so the counts agree)."""
    option init = "kaiming_fan_out"
    input x[in_channels, 32, 32]
    let n = (depth - 2) // 6
    out = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu
            -> layer1: plain_basic(16) * n
            -> layer2: [plain_basic(32, 2) -> plain_basic(32) * (n - 1)]
            -> layer3: [plain_basic(64, 2) -> plain_basic(64) * (n - 1)]
            -> avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}

model cifar_plain56 = cifar_plain20(depth=56)
    """Plain-56 for CIFAR-10 (He et al. 2015, Fig. 6): cifar_resnet56 without shortcuts,
    853,018 parameters (option A shortcuts have none, so the counts agree)."""
