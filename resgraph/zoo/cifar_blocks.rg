"""Blocks of He et al. 2015's CIFAR-10 networks (Sec. 4.2): residual with option A, and plain."""

block cifar_basic(planes: int, stride: int = 1) {
    """Two 3x3 convolutions; the option A skip edge subsamples and zero-pads the new channels,
    so shortcuts add no parameters."""
    f = in -> conv1: conv(planes, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(planes, 3, bias=false) -> bn2: bn
    s = if stride != 1 or in.channels != planes {
            in -> subsample(stride) -> pad_channels(planes)
        } else { in }
    out = add(f, s) -> relu
}

block plain_basic(planes: int, stride: int = 1) {
    """cifar_basic without the skip edge: the paper's plain baseline, with the same layer names."""
    out = in -> conv1: conv(planes, 3, stride, bias=false) -> bn1: bn -> relu
             -> conv2: conv(planes, 3, bias=false) -> bn2: bn -> relu
}
