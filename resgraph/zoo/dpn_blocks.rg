"""Dual path blocks of DPN (Chen et al. 2017, "Dual Path Networks").

A DPN carries two tensors from block to block: a residual path of `bw` channels, to which each
block adds, and a dense path, to which each block appends `inc` channels. Each block's 1x1
convolutions make both parts in one weight, sliced apart afterwards (a view, no copy), so the
weights are timm's. Names follow timm's DualPathBlock, BnActConv2d and DPN
(`features.conv2_1.c1x1_a.bn`, ...), so state_dict keys match; every batch norm has timm's eps.
"""

block bn_act_conv(out_channels: int, kernel: int, stride: int = 1, groups: int = 1) {
    """BN-ReLU-Conv, the pre-activation unit of every DPN convolution (timm's BnActConv2d)."""
    out = in -> bn: bn(eps=0.001) -> relu
             -> conv: conv(out_channels, kernel, stride, groups=groups, bias=false)
}

block dual_path(dense: tensor, r: int, bw: int, inc: int, groups: int, b: bool = false) {
    """The dual path block: from the concatenation of both paths, 1x1 reduce to r, grouped 3x3,
    1x1 to bw + inc channels; residual on the first bw channels, dense on the other inc. "b"
    (DPN-68b) splits the last 1x1 in two convolutions after one shared BN-ReLU."""
    h = concat(in, dense) -> c1x1_a: bn_act_conv(r, 1) -> c3x3_b: bn_act_conv(r, 3, 1, groups)
    if b {
        a = h -> c1x1_c: [bn: bn(eps=0.001) -> relu]
        new_res = a -> c1x1_c1: conv(bw, 1, bias=false)
        new_dense = a -> c1x1_c2: conv(inc, 1, bias=false)
    } else {
        y = h -> c1x1_c: bn_act_conv(bw + inc, 1)
        new_res = y -> slice(0, bw)
        new_dense = y -> slice(bw)
    }
    res = add(in, new_res)
    grown = concat(dense, new_dense)
    out = (res, grown)
}

block dual_path_proj(r: int, bw: int, inc: int, groups: int, stride: int = 1, b: bool = false) {
    """The first block of a stage: its input is one tensor (the stem, or both paths of the last
    stage concatenated), projected by one 1x1 convolution to the new residual path (bw) and a
    dense path of 2 * inc; then as `dual_path`, with the stride on the 1x1 projection and the 3x3.
    timm names the projection after its stride (`c1x1_w_s1`, `c1x1_w_s2`)."""
    p = if stride == 1 {
            in -> c1x1_w_s1: bn_act_conv(bw + 2 * inc, 1)
        } else { in -> c1x1_w_s2: bn_act_conv(bw + 2 * inc, 1, stride) }
    h = in -> c1x1_a: bn_act_conv(r, 1) -> c3x3_b: bn_act_conv(r, 3, stride, groups)
    if b {
        a = h -> c1x1_c: [bn: bn(eps=0.001) -> relu]
        new_res = a -> c1x1_c1: conv(bw, 1, bias=false)
        new_dense = a -> c1x1_c2: conv(inc, 1, bias=false)
    } else {
        y = h -> c1x1_c: bn_act_conv(bw + inc, 1)
        new_res = y -> slice(0, bw)
        new_dense = y -> slice(bw)
    }
    p_res = p -> slice(0, bw)
    p_dense = p -> slice(bw)
    res = add(p_res, new_res)
    grown = concat(p_dense, new_dense)
    out = (res, grown)
}

block dpn_features(k_sec: list, inc_sec: list, k_r: int, groups: int, num_init_features: int,
                   small: bool = false, b: bool = false) {
    """timm's `features`: the stem (conv 3x3 for the small DPN-68, else 7x7, stride 2; BN-ReLU;
    max pool), four stages `conv{i}_{j}` of k_sec[i - 2] dual path blocks, residual widths 64, 128,
    256, 512 (x4 unless small), and the final BN-ReLU over both paths."""
    x2 = in -> conv1_1.conv: conv(num_init_features, 3 if small else 7, 2, bias=false)
            -> conv1_1.bn: bn(eps=0.001) -> relu -> conv1_pool: maxpool(3, 2, 1)
    for i in 2..=5 {
        let n = k_sec[i - 2]
        let inc = inc_sec[i - 2]
        let bw = 64 * 2 ** (i - 2) * (1 if small else 4)
        let r = k_r * 2 ** (i - 2)
        let stride = 1 if i == 2 else 2
        r{i}_1, d{i}_1 = x{i} -> conv{i}_1: dual_path_proj(r, bw, inc, groups, stride, b)
        for j in 2..=n {
            r{i}_{j}, d{i}_{j} = r{i}_{j - 1}
                    -> conv{i}_{j}: dual_path(d{i}_{j - 1}, r, bw, inc, groups, b)
        }
        x{i + 1} = concat(r{i}_{n}, d{i}_{n})
    }
    out = x6 -> conv5_bn_ac.bn: bn(eps=0.001) -> relu
}
