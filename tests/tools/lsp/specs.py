"""The specs the language server tests open: a file of blocks and a model that imports it."""

from __future__ import annotations

from pathlib import Path

BLOCKS = '''block basic(c: int, stride: int = 1) {
    """Two 3x3 convolutions and a skip edge."""
    f = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(c, 3, bias=false) -> bn2: bn
    s = if stride != 1 or in.channels != c {
            in -> downsample: [conv(c, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}
'''

NET = '''import "blocks.rg"

model tiny(num_classes: int = 10) {
    """A small residual network."""
    input x[3, 32, 32]
    stem = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu
    body = stem -> layer1: basic(16) * 2 -> layer2: basic(32, 2)
    out = body -> adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
'''

# two independent mistakes: an unknown op (line 3) and an attribute conv does not have (line 4)
TWO_ERRORS = '''model broken {
    input x[3, 32, 32]
    a = x -> conv(16, 3) -> bnx -> relu
    b = x -> conv(16, 3, strid=2)
    out = add(a, b)
}
'''


def write(folder: Path) -> tuple[Path, Path]:
    (folder / "blocks.rg").write_text(BLOCKS)
    (folder / "net.rg").write_text(NET)
    return folder / "blocks.rg", folder / "net.rg"


def at(text: str, line: int, needle: str, offset: int = 0) -> tuple[int, int]:
    """The 1-based (line, column) of `needle` on `line` of `text`, plus `offset` characters."""
    col = text.split("\n")[line - 1].index(needle)
    return line, col + 1 + offset
