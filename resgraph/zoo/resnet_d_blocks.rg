"""The ResNet-D bottleneck (He et al. 2019, "Bag of Tricks for Image Classification with CNNs").

Names follow timm's Bottleneck with `avg_down=True`, so state_dict keys match timm's `resnet50d`.
"""

block bottleneck_d(planes: int, stride: int = 1, groups: int = 1, base_width: int = 64) {
    """torchvision's bottleneck (stride on the 3x3) with the D shortcut: a 2x2 average pool before
    the 1x1 projection, so the projection sees every input pixel instead of one in four."""
    let width = planes * base_width // 64 * groups
    let expanded = planes * 4
    f = in -> conv1: conv(width, 1, bias=false) -> bn1: bn -> relu
           -> conv2: conv(width, 3, stride, groups=groups, bias=false) -> bn2: bn -> relu
           -> conv3: conv(expanded, 1, bias=false) -> bn3: bn
    s = if stride != 1 or in.channels != expanded {
            in -> downsample: [
                if stride != 1 {
                    avgpool(2, stride, ceil_mode=true, count_include_pad=false)
                } else { identity }
                -> conv(expanded, 1, bias=false)
                -> bn
            ]
        } else { in }
    out = add(f, s) -> relu
}
