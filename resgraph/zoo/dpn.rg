"""Dual Path Networks for ImageNet, layer for layer and name for name as timm builds them."""

import "dpn_blocks.rg"

model dpn68(num_classes: int = 1000, in_channels: int = 3, k_sec: list = [3, 4, 12, 3],
            inc_sec: list = [16, 32, 32, 64], k_r: int = 128, groups: int = 32,
            num_init_features: int = 10, small: bool = true, b: bool = false) {
    """DPN-68 (Chen et al. 2017; timm.create_model("dpn68")): 12,611,602 parameters."""
    input x[in_channels, 224, 224]
    out = x -> features: dpn_features(k_sec, inc_sec, k_r, groups, num_init_features, small, b)
            -> global_pool: adaptive_avgpool(1) -> classifier: conv(num_classes, 1) -> flatten
}

model dpn92 = dpn68(k_sec=[3, 4, 20, 3], inc_sec=[16, 32, 24, 128], k_r=96, num_init_features=64,
                    small=false)
    """DPN-92 (Chen et al. 2017; timm.create_model("dpn92")): 37,668,392 parameters."""
