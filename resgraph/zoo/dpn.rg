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

model dpn68b = dpn68(b=true)
    """DPN-68b (Chen et al. 2017; timm.create_model("dpn68b")): the last 1x1 of each block split
    in a residual and a dense convolution, 12,611,602 parameters."""

model dpn98 = dpn92(k_sec=[3, 6, 20, 3], inc_sec=[16, 32, 32, 128], k_r=160, groups=40,
                    num_init_features=96)
    """DPN-98 (Chen et al. 2017; timm.create_model("dpn98")): 61,570,728 parameters."""

model dpn107 = dpn92(k_sec=[4, 8, 20, 3], inc_sec=[20, 64, 64, 128], k_r=200, groups=50,
                     num_init_features=128)
    """DPN-107 (Chen et al. 2017; timm.create_model("dpn107")): 86,917,800 parameters."""

model dpn131 = dpn92(k_sec=[4, 8, 28, 3], inc_sec=[16, 32, 32, 128], k_r=160, groups=40,
                     num_init_features=128)
    """DPN-131 (Chen et al. 2017; timm.create_model("dpn131")): 79,254,504 parameters."""
