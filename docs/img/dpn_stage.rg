"""Two dual path blocks of DPN-68's second stage: the picture in docs/zoo.md."""

import dpn_blocks

model dpn_stage {
    input x[64, 56, 56]
    r1, d1 = x -> conv2_1: dual_path_proj(128, 64, 16, 32)
    r2, d2 = r1 -> conv2_2: dual_path(d1, 128, 64, 16, 32)
    out = concat(r2, d2)
}
