"""The dilated ResNet-50 backbone of torchvision's segmentation models (Yu & Koltun 2016,
"Multi-Scale Context Aggregation by Dilated Convolutions"), named as torchvision's ResNet."""

import "resnet_blocks.rg"

block dilated_bottleneck(planes: int, dilation: int = 1) {
    """ResNet-50's bottleneck at stride 1 with a dilated 3x3: the receptive field grows as if the
    stage had halved the map, but the map keeps its size. The skip is projected, at stride 1,
    only where the width changes (the first block of a stage)."""
    let expanded = planes * 4
    f = in -> conv1: conv(planes, 1, bias=false) -> bn1: bn -> relu
           -> conv2: conv(planes, 3, dilation=dilation, bias=false) -> bn2: bn -> relu
           -> conv3: conv(expanded, 1, bias=false) -> bn3: bn
    s = if in.channels != expanded {
            in -> downsample: [conv(expanded, 1, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}

block dilated_resnet50(layers: list = [3, 4, 6, 3]) {
    """torchvision's resnet50(replace_stride_with_dilation=[False, True, True]) without its pool
    and classifier: layer3 and layer4 dilate (2, then 4) instead of striding, so the map is 1/8
    of the input. A stage's first block keeps the previous stage's dilation, as torchvision's."""
    let n = layers  # blocks per stage
    out = in -> conv1: conv(64, 7, 2, bias=false) -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
             -> layer1: [bottleneck(64) * n[0]]
             -> layer2: [bottleneck(128, 2) -> bottleneck(128) * (n[1] - 1)]
             -> layer3: [dilated_bottleneck(256, 1) -> dilated_bottleneck(256, 2) * (n[2] - 1)]
             -> layer4: [dilated_bottleneck(512, 2) -> dilated_bottleneck(512, 4) * (n[3] - 1)]
}
