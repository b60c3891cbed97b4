"""MobileNetV2 for ImageNet, layer for layer and name for name as torchvision.models builds it."""

import "mobilenet_blocks.rg"

model mobilenet_v2(num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.2) {
    """MobileNetV2 (Sandler et al. 2018; torchvision.models.mobilenet_v2): 3,504,872 parameters.

    `features` is the stem, the rows (t, c, n, s) of the paper's table 2 — n inverted residuals
    of c channels and expansion t, the first with stride s — and a 1x1 convolution to 1280."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    out = x -> features: [
        [conv(32, 3, 2, bias=false) -> bn -> relu6]
        -> inverted_residual(16, 1, 1)
        -> inverted_residual(24, 2 if i == 0 else 1) * 2 by i
        -> inverted_residual(32, 2 if i == 0 else 1) * 3 by i
        -> inverted_residual(64, 2 if i == 0 else 1) * 4 by i
        -> inverted_residual(96) * 3
        -> inverted_residual(160, 2 if i == 0 else 1) * 3 by i
        -> inverted_residual(320)
        -> [conv(1280, 1, bias=false) -> bn -> relu6]
    ]
            -> adaptive_avgpool(1) -> flatten
            -> classifier: [dropout(dropout) -> linear(num_classes)]
}
