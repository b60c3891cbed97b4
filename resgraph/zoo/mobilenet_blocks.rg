"""The inverted residual of MobileNetV2 (Sandler et al. 2018, "Inverted Residuals and Linear
Bottlenecks"), named as torchvision's InvertedResidual so state_dict keys match theirs."""

block inverted_residual(c: int, stride: int = 1, expand: int = 6) {
    """Expand 1x1, depthwise 3x3, project 1x1 with no activation (the linear bottleneck); the
    skip only where shapes agree. Layers are numbered as torchvision's `conv` Sequential, which
    has no expansion when `expand` is 1."""
    let hidden = in.channels * expand
    f = if expand != 1 {
            in -> conv: [
                [conv(hidden, 1, bias=false) -> bn -> relu6]
                -> [conv(hidden, 3, stride, groups=hidden, bias=false) -> bn -> relu6]
                -> conv(c, 1, bias=false)
                -> bn
            ]
        } else {
            in -> conv: [
                [conv(hidden, 3, stride, groups=hidden, bias=false) -> bn -> relu6]
                -> conv(c, 1, bias=false)
                -> bn
            ]
        }
    out = if stride == 1 and in.channels == c { add(f, in) } else { f }
}
