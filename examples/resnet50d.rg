"""ResNet-50-D (He et al. 2019, "Bag of Tricks for Image Classification"), named as timm's
`resnet50d` so its state_dict loads strictly: 25,576,264 parameters."""

block bottleneck_d(planes: int, stride: int = 1) {
    """torchvision's bottleneck (stride on the 3x3) with the D shortcut: a 2x2 average pool
    before the 1x1 projection, so the projection sees every input pixel."""
    let expanded = planes * 4
    f = in -> conv1: conv(planes, 1, bias=false) -> bn1: bn -> relu
           -> conv2: conv(planes, 3, stride, bias=false) -> bn2: bn -> relu
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

model resnet50d(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3]) {
    """timm.create_model("resnet50d"): the deep stem (three 3x3 convolutions, 32-32-64 wide) in
    place of the 7x7 one, and average-pool shortcuts."""
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
            -> layer1: [bottleneck_d(64) * n[0]]
            -> layer2: [bottleneck_d(128, 2) -> bottleneck_d(128) * (n[1] - 1)]
            -> layer3: [bottleneck_d(256, 2) -> bottleneck_d(256) * (n[2] - 1)]
            -> layer4: [bottleneck_d(512, 2) -> bottleneck_d(512) * (n[3] - 1)]
            -> global_pool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
