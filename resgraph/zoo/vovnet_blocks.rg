"""One-shot aggregation (Lee et al. 2019, "An Energy and GPU-Computation Efficient Backbone
Network for Real-Time Object Detection") and its effective squeeze-excitation (Lee & Park 2020,
"CenterMask"), named as timm's vovnet.py so state_dict keys match timm's."""

block conv_norm_act(c: int, kernel: int = 3, stride: int = 1, separable: bool = false) {
    """timm's ConvNormAct (convolution without bias, batch norm, ReLU) or, separable, its
    SeparableConvNormAct (a depthwise convolution, then a pointwise one, batch norm, ReLU)."""
    let dw = in.channels
    h = if separable {
            in -> conv_dw: conv(dw, kernel, stride, groups=dw, bias=false)
               -> conv_pw: conv(c, 1, bias=false)
        } else { in -> conv: conv(c, kernel, stride, bias=false) }
    out = h -> bn: bn -> relu
}

block ese(c: int) {
    """Effective SE: one 1x1 convolution (no reduction) on the global average, a hard sigmoid,
    and the gate multiplied into the map."""
    g = in -> adaptive_avgpool(1) -> fc: conv(c, 1) -> hard_sigmoid
    out = mul(in, g)
}

block osa(mid: int, c: int, layers: int, depthwise: bool = false, residual: bool = false,
          attn: bool = false) {
    """One-shot aggregation: `layers` 3x3 convolutions in a chain, each output kept, and all of
    them with the block's input concatenated once, then mixed by a 1x1 convolution to c. The
    depthwise variant first reduces the input to `mid` channels (where it differs)."""
    h0 = if depthwise and in.channels != mid {
             in -> conv_reduction: conv_norm_act(mid, 1)
         } else { in }
    for k in 0..layers {
        h{k + 1} = h{k} -> conv_mid.{k}: conv_norm_act(mid, separable=depthwise)
    }
    y = concat(in, h{1..=layers}) -> conv_concat: conv_norm_act(c, 1)
    z = if attn { y -> attn: ese(c) } else { y }
    out = if residual { add(z, in) } else { z }
}

block osa_stage(mid: int, c: int, n: int, layers: int, downsample: bool = true, dw: bool = false,
                residual: bool = false, attn: bool = false) {
    """timm's OsaStage: a 3x3 max pool (ceil mode) unless it is the first stage after a stride-4
    stem, then n OSA modules (dw: depthwise separable); the residual on all but the first, eSE on
    the last only."""
    out = in -> if downsample { pool: maxpool(3, 2, ceil_mode=true) }
             -> blocks: osa(mid, c, layers, dw, residual and j > 0, attn and j == n - 1) * n by j
}
