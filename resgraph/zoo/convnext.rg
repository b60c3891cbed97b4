"""ConvNeXts for ImageNet, layer for layer and name for name as timm builds them."""

import "convnext_blocks.rg"

model convnext_tiny(num_classes: int = 1000, in_channels: int = 3, depths: list = [3, 3, 9, 3],
                    dims: list = [96, 192, 384, 768], drop_path_rate: float = 0.0) {
    """ConvNeXt-T (Liu et al. 2022; timm.create_model("convnext_tiny")): 28,589,128 parameters."""
    input x[in_channels, 224, 224]
    let d = depths
    let step = drop_path_rate / (d[0] + d[1] + d[2] + d[3] - 1)  # linear over all blocks
    # the stem cuts 4x4 patches (an even kernel pads nothing); stages 2-4 halve the map
    out = x -> stem: [conv(dims[0], 4, 4) -> layernorm]
            -> stages: [
                convnext_stage(dims[0], d[0], false, 0.0, step)
                -> convnext_stage(dims[1], d[1], true, d[0] * step, step)
                -> convnext_stage(dims[2], d[2], true, (d[0] + d[1]) * step, step)
                -> convnext_stage(dims[3], d[3], true, (d[0] + d[1] + d[2]) * step, step)
            ]
            -> adaptive_avgpool(1)
            -> head: [norm: layernorm -> flatten -> fc: linear(num_classes)]
}

model convnext_small = convnext_tiny(depths=[3, 3, 27, 3])
    """ConvNeXt-S (Liu et al. 2022; timm.create_model("convnext_small")): 50,223,688 parameters."""

model convnext_base = convnext_tiny(depths=[3, 3, 27, 3], dims=[128, 256, 512, 1024])
    """ConvNeXt-B (Liu et al. 2022; timm.create_model("convnext_base")): 88,591,464 parameters."""
