# A tiny residual network for 32x32 images.
block basic(c: int, stride: int = 1) {
    """Two 3x3 convolutions and a skip edge (He et al. 2015)."""
    f = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(c, 3, bias=false) -> bn2: bn
    s = if stride != 1 or in.channels != c {
            in -> downsample: [conv(c, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu  # the residual (skip) edge
}

model tiny_resnet(num_classes: int = 10) {
    """A ResNet for CIFAR-sized images: two stages of basic blocks."""
    option init = "kaiming_fan_out"
    input x[3, 32, 32]
    stem = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu
    body = stem -> layer1: basic(16) * 2 -> layer2: [basic(32, 2) -> basic(32)]
    out = body -> adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
