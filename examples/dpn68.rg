"""DPN-68 (Chen et al. 2017, "Dual Path Networks"), named as timm's `dpn68` so its state_dict
loads strictly: 12,611,602 parameters. Built on the zoo's dual path blocks."""

import dpn_blocks

model dpn68(num_classes: int = 1000) {
    """The paper's table: four stages of 3, 4, 12, 3 blocks, residual widths 64 to 512, dense
    growth 16, 32, 32, 64 channels per block, 3x3 convolutions in 32 groups of width 4 to 32.
    Each block gives two values, the residual and the dense path (`r, d = ...`)."""
    input x[3, 224, 224]
    let depth = [3, 4, 12, 3]
    let growth = [16, 32, 32, 64]
    x2 = x -> features.conv1_1.conv: conv(10, 3, 2, bias=false)
           -> features.conv1_1.bn: bn(eps=0.001) -> relu -> features.conv1_pool: maxpool(3, 2, 1)
    for i in 2..=5 {
        let n = depth[i - 2]
        let inc = growth[i - 2]
        let bw = 64 * 2 ** (i - 2)  # residual channels
        let r = 2 * bw  # bottleneck width
        let stride = 1 if i == 2 else 2
        r{i}_1, d{i}_1 = x{i} -> features.conv{i}_1: dual_path_proj(r, bw, inc, 32, stride)
        for j in 2..=n {
            r{i}_{j}, d{i}_{j} = r{i}_{j - 1}
                    -> features.conv{i}_{j}: dual_path(d{i}_{j - 1}, r, bw, inc, 32)
        }
        x{i + 1} = concat(r{i}_{n}, d{i}_{n})
    }
    out = x6 -> features.conv5_bn_ac.bn: bn(eps=0.001) -> relu -> global_pool: adaptive_avgpool(1)
             -> classifier: conv(num_classes, 1) -> flatten
}
