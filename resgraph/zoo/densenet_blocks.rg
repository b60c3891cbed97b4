"""Dense blocks of DenseNet-BC (Huang et al. 2017, "Densely Connected Convolutional Networks").

Names follow torchvision's _DenseLayer, _DenseBlock and _Transition, so state_dict keys match.
"""

block dense_layer(growth_rate: int, bn_size: int = 4, drop_rate: float = 0.0) {
    """BN-ReLU-Conv1x1 (bn_size * k) - BN-ReLU-Conv3x3 (k): the bottleneck layer of DenseNet-B."""
    out = in -> norm1: bn -> relu1: relu -> conv1: conv(bn_size * growth_rate, 1, bias=false)
             -> norm2: bn -> relu2: relu -> conv2: conv(growth_rate, 3, bias=false)
             -> if drop_rate > 0 { dropout(drop_rate) }
}

block dense_block(num_layers: int, growth_rate: int, bn_size: int = 4, drop_rate: float = 0.0) {
    """Each layer reads the concatenation of the block input and every earlier layer's output."""
    for i in 1..=num_layers {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: dense_layer(growth_rate, bn_size, drop_rate)
    }
    out = concat(in, h{1..=num_layers})
}

block transition(out_channels: int) {
    """BN-ReLU-Conv1x1-AvgPool2: compresses channels and halves the resolution between blocks."""
    out = in -> norm: bn -> relu: relu -> conv: conv(out_channels, 1, bias=false)
             -> pool: avgpool(2, 2)
}

block densenet_features(growth_rate: int, block_config: list, num_init_features: int,
                        bn_size: int = 4, drop_rate: float = 0.0, stem: str = "imagenet") {
    """Stem, dense blocks joined by transitions of compression 0.5, final BN: torchvision's
    `features`. stem "imagenet" is conv7x7/2 - BN - ReLU - maxpool3x3/2; "cifar" a single 3x3 conv."""
    h0 = if stem == "cifar" {
             in -> conv0: conv(num_init_features, 3, bias=false)
         } else {
             in -> conv0: conv(num_init_features, 7, 2, bias=false) -> norm0: bn -> relu0: relu
                -> pool0: maxpool(3, 2, 1)
         }
    let n = len(block_config)
    for i in 1..=n {
        d{i} = h{i - 1} -> denseblock{i}: dense_block(block_config[i - 1], growth_rate, bn_size,
                                                      drop_rate)
        if i < n {
            h{i} = d{i} -> transition{i}: transition(d{i}.channels // 2)
        }
    }
    out = d{n} -> norm5: bn
}
