"""VoVNets for ImageNet, module for module and name for name as timm's vovnet.py builds them."""

import "vovnet_blocks.rg"

model vovnet39a(num_classes: int = 1000, in_channels: int = 3, stem: list = [64, 64, 128],
                mid: list = [128, 160, 192, 224], widths: list = [256, 512, 768, 1024],
                blocks: list = [1, 1, 2, 2], layers: int = 5, residual: bool = false,
                depthwise: bool = false, attn: bool = false) {
    """VoVNet-39 (Lee et al. 2019; timm vovnet39a): 22,600,296 parameters.

    A stride-4 stem of three 3x3 convolutions, then four stages of one-shot aggregation: stage i
    has blocks[i] OSA modules of `layers` convolutions of mid[i] channels, concatenated and mixed
    to widths[i]; every stage but the first starts with a max pool."""
    option init = "kaiming_fan_out"
    input x[in_channels, 224, 224]
    s0 = x -> stem: [
        conv_norm_act(stem[0], 3, 2)
        -> conv_norm_act(stem[1], 3, 1, depthwise)
        -> conv_norm_act(stem[2], 3, 2, depthwise)
    ]
    for i in 0..4 {
        s{i + 1} = s{i} -> stages.{i}: osa_stage(mid[i], widths[i], blocks[i], layers, i > 0,
                                                 depthwise, residual, attn)
    }
    out = s4 -> head: [
        global_pool: adaptive_avgpool(1)
        -> flatten: flatten
        -> fc: linear(num_classes)
    ]
}

model vovnet57a = vovnet39a(blocks=[1, 1, 4, 3])
    """VoVNet-57 (Lee et al. 2019; timm vovnet57a): 36,640,296 parameters."""

model ese_vovnet19b_dw = vovnet39a(stem=[64, 64, 64], blocks=[1, 1, 1, 1], layers=3, residual=true,
                                   depthwise=true, attn=true)
    """VoVNet-19-DW with effective SE (Lee & Park 2020, "CenterMask"; timm ese_vovnet19b_dw):
    depthwise separable convolutions, 6,543,080 parameters."""
