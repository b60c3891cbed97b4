"""Blocks of ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s"), named as timm's
`timm.models.convnext` so state_dict keys match timm's."""

block convnext_block(c: int, drop: float = 0.0) {
    """Depthwise 7x7, LayerNorm over channels, an inverted MLP (4x wider, GELU) over channels,
    a per-channel layer scale (timm's `gamma`, starting at 1e-6) and stochastic depth, then
    the identity skip edge."""
    h = in -> conv_dw: conv(c, 7, groups=c) -> norm: layernorm
           -> mlp: [fc1: linear(4 * c) -> act: gelu -> fc2: linear(c)]
           -> gamma: layer_scale(1e-6) -> drop_path(drop)
    out = add(h, in)
}

block convnext_stage(c: int, depth: int, downsample: bool = true, drop: float = 0.0,
                     drop_step: float = 0.0) {
    """A LayerNorm and a 2x2 stride-2 convolution that halve the map and change the width (not
    in the first stage), then `depth` blocks; block j drops its branch with probability
    drop + j * drop_step (timm raises the rate linearly over all blocks of the network)."""
    h = if downsample { in -> downsample: [layernorm -> conv(c, 2, 2)] } else { in }
    out = h -> blocks: convnext_block(c, drop + j * drop_step) * depth by j
}
