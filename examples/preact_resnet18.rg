"""Pre-activation ResNet-18 (He et al. 2016, "Identity Mappings in Deep Residual Networks"), named
as timm's `resnetv2_18` so its state_dict loads strictly: 11,687,720 parameters.

Built on the zoo's pre-activation block (resgraph/zoo/resnetv2_blocks.rg: BN-ReLU before each
convolution, nothing after the sum); the zoo's own member is `resnetv2_18`."""

import resnetv2_blocks

model preact_resnet18(num_classes: int = 1000, in_channels: int = 3) {
    """timm.create_model("resnetv2_18"): a 7x7 stem without norm, four stages of two blocks (the
    first of each later stage strided), and the only BN-ReLU after a sum just before the head."""
    input x[in_channels, 224, 224]
    h0 = x -> stem.conv: conv(64, 7, 2, bias=false) -> stem.pool: maxpool(3, 2, 1)
    for s in 0..4 {
        let c = 64 * 2 ** s  # 64, 128, 256, 512
        let stride = 1 if s == 0 else 2  # of the stage's first block
        h{s + 1} = h{s} -> stages.{s}.blocks: preact_basic(c, stride if i == 0 else 1) * 2 by i
    }
    out = h4 -> norm: bn -> relu -> adaptive_avgpool(1) -> head.fc: conv(num_classes, 1) -> flatten
}
