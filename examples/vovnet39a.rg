"""VoVNet-39 (Lee et al. 2019) built on the zoo's one-shot aggregation: named as timm's
vovnet39a so its state_dict loads strictly, 22,600,296 parameters.

`osa_stage(mid, c, n, layers)` (resgraph/zoo/vovnet_blocks.rg) is a stage of n OSA modules; each
module chains `layers` 3x3 convolutions of `mid` channels, concatenates its input and every one
of their outputs once, and mixes them with a 1x1 convolution to c channels."""

import vovnet_blocks

model vovnet39a(num_classes: int = 1000, in_channels: int = 3) {
    """timm.create_model("vovnet39a"): a stride-4 stem, four stages, a linear head."""
    input x[in_channels, 224, 224]
    out = x -> stem: [conv_norm_act(64, 3, 2) -> conv_norm_act(64) -> conv_norm_act(128, 3, 2)]
            -> stages: [
                osa_stage(128, 256, 1, 5, downsample=false)
                -> osa_stage(160, 512, 1, 5)
                -> osa_stage(192, 768, 2, 5)
                -> osa_stage(224, 1024, 2, 5)
            ]
            -> head: [
                global_pool: adaptive_avgpool(1)
                -> flatten: flatten
                -> fc: linear(num_classes)
            ]
}
