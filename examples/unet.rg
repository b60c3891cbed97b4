"""A small U-Net (Ronneberger et al. 2015, "U-Net: Convolutional Networks for Biomedical Image
Segmentation") for 64x64 inputs: an encoder that halves the map three times, a decoder that
doubles it back, and at each level the encoder's map joined to the decoder's by concatenation."""

block double_conv(c: int) {
    """Two 3x3 convolutions, each with batch norm and ReLU: the unit of every level."""
    h = in -> conv1: conv(c, 3, bias=false) -> bn1: bn -> relu
    out = h -> conv2: conv(c, 3, bias=false) -> bn2: bn -> relu
}

block up(skip: tensor, c: int, bilinear: bool = false) {
    """Double the map (a learned 2x2 transposed convolution, or bilinear resizing and a 1x1
    convolution), concatenate the encoder's map of the same size, and fuse with two 3x3s."""
    u = if bilinear {
            in -> upsample(2, "bilinear", false) -> reduce: conv(c, 1)
        } else { in -> up: conv_transpose(c, 2, 2) }
    out = concat(u, skip) -> fuse: double_conv(c)
}

model unet(n_classes: int = 2, in_channels: int = 3, width: int = 16, bilinear: bool = false) {
    """Three levels below the input's, `width` channels at the top and twice as many at each
    level down; a 1x1 convolution scores each pixel: [n_classes, 64, 64]."""
    input x[in_channels, 64, 64]
    e1 = x -> enc1: double_conv(width)
    e2 = e1 -> maxpool -> enc2: double_conv(2 * width)
    e3 = e2 -> maxpool -> enc3: double_conv(4 * width)
    b = e3 -> maxpool -> middle: double_conv(8 * width)
    d3 = b -> dec3: up(e3, 4 * width, bilinear)
    d2 = d3 -> dec2: up(e2, 2 * width, bilinear)
    d1 = d2 -> dec1: up(e1, width, bilinear)
    out = d1 -> head: conv(n_classes, 1)
}
