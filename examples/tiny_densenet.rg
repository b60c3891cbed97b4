"""A small DenseNet (Huang et al. 2017) for 32x32 images."""

block dense_layer(growth_rate: int, bn_size: int = 4, drop_rate: float = 0.0) {
    """BN-ReLU-Conv(1x1) bottleneck, then BN-ReLU-Conv(3x3) making growth_rate new maps."""
    out = in -> norm1: bn -> relu1: relu -> conv1: conv(bn_size * growth_rate, 1, bias=false)
             -> norm2: bn -> relu2: relu -> conv2: conv(growth_rate, 3, bias=false)
             -> dropout(drop_rate)
}

block dense_block(num_layers: int, growth_rate: int) {
    """Layer i reads the block input and the maps of every earlier layer: the dense edges."""
    for i in 1..=num_layers {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: dense_layer(growth_rate)
    }
    out = concat(in, h{1..=num_layers})
}

block transition(out_channels: int) {
    out = in -> norm: bn -> relu -> conv: conv(out_channels, 1, bias=false) -> pool: avgpool(2, 2)
}

model tiny_densenet(num_classes: int = 10, growth_rate: int = 12, block_config: list = [4, 4, 4]) {
    option init = "kaiming_fan_in"
    input x[3, 32, 32]
    let c0 = 2 * growth_rate
    let c1 = (c0 + block_config[0] * growth_rate) // 2
    let c2 = (c1 + block_config[1] * growth_rate) // 2
    f = x -> features: [
        conv0: conv(c0, 3, bias=false)
        -> denseblock1: dense_block(block_config[0], growth_rate)
        -> transition1: transition(c1)
        -> denseblock2: dense_block(block_config[1], growth_rate)
        -> transition2: transition(c2)
        -> denseblock3: dense_block(block_config[2], growth_rate)
        -> norm5: bn
    ]
    out = f -> relu -> adaptive_avgpool(1) -> flatten -> classifier: linear(num_classes)
}
