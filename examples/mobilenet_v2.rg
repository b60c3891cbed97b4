"""MobileNetV2 (Sandler et al. 2018) built on the zoo's inverted residual: named as
torchvision.models.mobilenet_v2 so its state_dict loads strictly, 3,504,872 parameters."""

import mobilenet_blocks

model mobilenet_v2(num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.2) {
    """torchvision.models.mobilenet_v2(): `features` is the stem, the paper's table 2 (blocks of
    `inverted_residual(c, first stride, expansion t)`, repeated n times) and a 1x1 convolution."""
    input x[in_channels, 224, 224]
    out = x -> features: [
        [conv(32, 3, 2, bias=false) -> bn -> relu6]
        -> inverted_residual(16, 1, 1)
        -> inverted_residual(24, 2)
        -> inverted_residual(24)
        -> inverted_residual(32, 2)
        -> inverted_residual(32) * 2
        -> inverted_residual(64, 2)
        -> inverted_residual(64) * 3
        -> inverted_residual(96) * 3
        -> inverted_residual(160, 2)
        -> inverted_residual(160) * 2
        -> inverted_residual(320)
        -> [conv(1280, 1, bias=false) -> bn -> relu6]
    ]
            -> adaptive_avgpool(1) -> flatten
            -> classifier: [dropout(dropout) -> linear(num_classes)]
}
