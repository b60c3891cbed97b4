"""Builder-made blocks that several test files compose graphs from."""

from resgraph.builder import block


@block
def basic(x, c, stride=1):
    """torchvision's ResNet BasicBlock, with a 1x1 downsample where the shape changes."""
    f = x.conv(c, 3, stride, bias=False, name="conv1").bn(name="bn1").relu()
    f = f.conv(c, 3, bias=False, name="conv2").bn(name="bn2")
    s = x
    if stride != 1 or x.channels != c:
        with x.builder.scope("downsample", kind="group"):
            s = x.conv(c, 1, stride, bias=False, name="0").bn(name="1")
    return f.add(s).relu()
