"""ConvNeXt-T (Liu et al. 2022, "A ConvNet for the 2020s") built on the zoo's blocks, named as
timm's `convnext_tiny` so its state_dict loads strictly: 28,589,128 parameters."""

import convnext_blocks

model convnext_tiny(num_classes: int = 1000, depths: list = [3, 3, 9, 3],
                    dims: list = [96, 192, 384, 768]) {
    """A 4x4 patchify stem, four stages (each but the first halves the map and widens it) and
    a head that normalizes the pooled features: timm.create_model("convnext_tiny")."""
    input x[3, 224, 224]
    out = x -> stem: [conv(dims[0], 4, 4) -> layernorm]
            -> stages: convnext_stage(dims[i], depths[i], i > 0) * 4 by i
            -> adaptive_avgpool(1)
            -> head: [norm: layernorm -> flatten -> fc: linear(num_classes)]
}
