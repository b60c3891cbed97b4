"""He et al. 2015's CIFAR-10 ResNets (Sec. 4.2): 6n+2 layers in three stages of 16, 32 and 64
channels, option A (parameter-free) shortcuts. Layer names follow the common PyTorch port."""

import "cifar_blocks.rg"

model cifar_resnet20(depth: int = 20, num_classes: int = 10, in_channels: int = 3) {
    """ResNet-20 for CIFAR-10 (He et al. 2015, Table 6): 269,722 parameters."""
    option init = "kaiming_fan_out"
    input x[in_channels, 32, 32]
    let n = (depth - 2) // 6
    out = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu
            -> layer1: cifar_basic(16) * n
            -> layer2: [cifar_basic(32, 2) -> cifar_basic(32) * (n - 1)]
            -> layer3: [cifar_basic(64, 2) -> cifar_basic(64) * (n - 1)]
            -> avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}

model cifar_resnet32 = cifar_resnet20(depth=32)
    """ResNet-32 for CIFAR-10 (He et al. 2015, Table 6): 464,154 parameters."""

model cifar_resnet44 = cifar_resnet20(depth=44)
    """ResNet-44 for CIFAR-10 (He et al. 2015, Table 6): 658,586 parameters."""

model cifar_resnet56 = cifar_resnet20(depth=56)
    """ResNet-56 for CIFAR-10 (He et al. 2015, Table 6): 853,018 parameters."""

model cifar_resnet110 = cifar_resnet20(depth=110)
    """ResNet-110 for CIFAR-10 (He et al. 2015, Table 6): 1,727,962 parameters."""

model cifar_resnet1202 = cifar_resnet20(depth=1202)
    """ResNet-1202 for CIFAR-10 (He et al. 2015, Table 6): 19,421,274 parameters."""
