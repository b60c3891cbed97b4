"""GoogLeNet (Szegedy et al. 2014, "Going Deeper with Convolutions"), named as
torchvision.models.googlenet(aux_logits=False) so its state_dict loads strictly: 6,624,904
parameters. An Inception module runs four branches on the same input and concatenates them."""

block basic_conv(c: int, kernel: int = 1, stride: int = 1) {
    """torchvision's BasicConv2d: convolution without bias, batch norm (eps 1e-3), ReLU."""
    out = in -> conv: conv(c, kernel, stride, bias=false) -> bn: bn(eps=1e-3) -> relu
}

block inception(c1: int, c3r: int, c3: int, c5r: int, c5: int, pool_proj: int) {
    """1x1; 1x1 then 3x3; 1x1 then "5x5" (a 3x3, as torchvision's known bug and its weights
    have it); a 3x3 max pool then 1x1: concatenated along channels."""
    b1 = in -> branch1: basic_conv(c1)
    b2 = in -> branch2: [basic_conv(c3r) -> basic_conv(c3, 3)]
    b3 = in -> branch3: [basic_conv(c5r) -> basic_conv(c5, 3)]
    b4 = in -> branch4: [maxpool(3, 1, 1, ceil_mode=true) -> basic_conv(pool_proj)]
    out = concat(b1, b2, b3, b4)
}

model googlenet(num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.2) {
    """torchvision.models.googlenet(aux_logits=False, transform_input=False)."""
    input x[in_channels, 224, 224]
    out = x -> conv1: basic_conv(64, 7, 2) -> maxpool1: maxpool(3, 2, ceil_mode=true)
            -> conv2: basic_conv(64) -> conv3: basic_conv(192, 3)
            -> maxpool2: maxpool(3, 2, ceil_mode=true)
            -> inception3a: inception(64, 96, 128, 16, 32, 32)
            -> inception3b: inception(128, 128, 192, 32, 96, 64)
            -> maxpool3: maxpool(3, 2, ceil_mode=true)
            -> inception4a: inception(192, 96, 208, 16, 48, 64)
            -> inception4b: inception(160, 112, 224, 24, 64, 64)
            -> inception4c: inception(128, 128, 256, 24, 64, 64)
            -> inception4d: inception(112, 144, 288, 32, 64, 64)
            -> inception4e: inception(256, 160, 320, 32, 128, 128)
            -> maxpool4: maxpool(2, 2, ceil_mode=true)
            -> inception5a: inception(256, 160, 320, 32, 128, 128)
            -> inception5b: inception(384, 192, 384, 48, 128, 128) -> avgpool: adaptive_avgpool(1)
            -> flatten -> dropout: dropout(dropout) -> fc: linear(num_classes)
}
