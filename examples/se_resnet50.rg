"""SE-ResNet-50 (Hu et al. 2018, "Squeeze-and-Excitation Networks"), named as timm's `seresnet50`
so its state_dict loads strictly: 28,088,024 parameters.

Built on the zoo's SE blocks (resgraph/zoo/seresnet_blocks.rg). The gate is a `mul` of the
features by a [C, 1, 1] excitation, which broadcasts over the map:

    block se(c: int, reduction: int = 16) {
        g = in -> adaptive_avgpool(1) -> fc1: conv(c // reduction, 1) -> relu -> fc2: conv(c, 1)
               -> sigmoid
        out = mul(in, g)
    }

and `se_bottleneck` puts it after the last BN of the residual branch, before the sum. The zoo's
own member is `seresnet50`."""

import seresnet_blocks

model se_resnet50(num_classes: int = 1000, in_channels: int = 3, layers: list = [3, 4, 6, 3]) {
    """timm.create_model("seresnet50"): torchvision's ResNet-50 with an SE gate in every block."""
    input x[in_channels, 224, 224]
    h0 = x -> conv1: conv(64, 7, 2, bias=false) -> bn1: bn -> relu -> maxpool: maxpool(3, 2, 1)
    for s in 0..4 {
        let c = 64 * 2 ** s  # 64, 128, 256, 512
        let stride = 1 if s == 0 else 2  # of the stage's first block
        h{s + 1} = h{s} -> layer{s + 1}: se_bottleneck(c, stride if i == 0 else 1) * layers[s] by i
    }
    out = h4 -> global_pool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
