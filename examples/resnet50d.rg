"""ResNet-50-D (He et al. 2019, "Bag of Tricks for Image Classification"), named as timm's
`resnet50d` so its state_dict loads strictly: 25,576,264 parameters.

Built on the zoo's D bottleneck (resgraph/zoo/resnet_d_blocks.rg: a 2x2 average pool before the
projecting 1x1); the zoo's own member is `resnet50d`."""

import resnet_d_blocks

model resnet50d(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3]) {
    """timm.create_model("resnet50d"): the deep stem (three 3x3 convolutions, 32-32-64 wide) in
    place of the 7x7 one, then four stages of D bottlenecks."""
    input x[in_channels, 224, 224]
    h0 = x -> conv1: [
        conv(32, 3, 2, bias=false)
        -> bn
        -> relu
        -> conv(32, 3, bias=false)
        -> bn
        -> relu
        -> conv(64, 3, bias=false)
    ]
           -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
    for s in 0..4 {
        let c = 64 * 2 ** s  # 64, 128, 256, 512
        let stride = 1 if s == 0 else 2  # of the stage's first block
        h{s + 1} = h{s} -> layer{s + 1}: bottleneck_d(c, stride if i == 0 else 1) * layers[s] by i
    }
    out = h4 -> global_pool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
