"""Fully convolutional segmentation networks, layer for layer and name for name as
torchvision.models.segmentation builds them."""

import "fcn_blocks.rg"

model fcn_resnet50(num_classes: int = 21, in_channels: int = 3, layers: list = [3, 4, 6, 3]) {
    """FCN-ResNet50 (Long et al. 2015; torchvision.models.segmentation.fcn_resnet50 with
    aux_loss=False): 32,957,013 parameters. A dilated ResNet-50 keeps 1/8 of the input's size, a
    head scores every position, and a bilinear upsample brings the scores back to the input's
    size (torchvision resizes to the input exactly; here the input is a multiple of 8)."""
    option init = "kaiming_fan_out"
    input x[in_channels, 520, 520]
    out = x -> backbone: dilated_resnet50(layers)
            -> classifier: [
                conv(512, 3, bias=false)
                -> bn
                -> relu
                -> dropout(0.1)
                -> conv(num_classes, 1)
            ]
            -> upsample(8, "bilinear", false)
}
