"""Regressions from the review of issue 13 (new ops and constructs)."""

import pytest

import resgraph

UNET = """\
block up(skip: tensor, c: int) {
    out = in -> conv_transpose(c, 2, 2) -> concat(skip) -> conv(c, 3)
}

model net {
    input x[3, _, _]
    e1 = x -> conv(16, 3)
    e2 = e1 -> maxpool -> conv(32, 3)
    e3 = e2 -> maxpool -> conv(64, 3)
    out = e3 -> dec2: up(e1, 32)
}
"""


def test_shape_error_inside_a_block_instance_points_at_the_instance_too():
    # A decoder joined at the wrong level fails inside the block's body; the line that joins it
    # (the instance and its skip argument) is where the fix goes, so a note points there.
    with pytest.raises(resgraph.ResgraphError) as info:
        resgraph.loads(UNET, path="unet.rg")
    text = str(info.value)
    assert "unet.rg:2:44: error: concat() operands have different spatial sizes" in text
    assert "unet.rg:10:23: note: in dec2, an instance of block 'up'" in text
    assert text.count("note:") == 1
    assert "out = e3 -> dec2: up(e1, 32)" in text


def test_a_bad_argument_does_not_end_its_chains_checks():
    # As after an unknown op, what follows a layer whose arguments are wrong is still checked.
    text = """\
model net {
    input x[8, 16, 16]
    y = x -> conv(16, 3, grups=2) -> add(nope) -> bn(foo=1)
    z = mul(x) -> softmax(0)
    out = concat(y, z)
}
"""
    with pytest.raises(resgraph.ResgraphError) as info:
        resgraph.loads(text, path="net.rg")
    found = [(d.span.line, d.span.col, d.message) for d in info.value.diagnostics]
    assert sorted(found) == [
        (3, 14, "conv() has no attribute 'grups'"),
        (3, 42, "undefined name 'nope'"),
        (3, 51, "bn() has no attribute 'foo'"),
        (4, 9, "mul() takes at least 2 operands, got 1"),
        (4, 19, "softmax(): dim = 0: value error, dimension 0 is the batch, which a per-sample softmax never mixes"),
    ], found


def test_softmax_takes_pytorchs_negative_dims():
    """`softmax(-1)` is how PyTorch users write "the last dimension"; 0 (the batch) stays an error."""
    import torch

    g = resgraph.loads("model m {\n    input x[4, 3, 5]\n    out = x -> softmax(-1)\n}\n")
    m = resgraph.compile(g).eval()
    x = torch.randn(2, 4, 3, 5)
    assert torch.equal(m(x), torch.softmax(x, -1))
    with pytest.raises(resgraph.ResgraphError, match="dimension 0 is the batch"):
        resgraph.loads("model m {\n    input x[4, 3, 5]\n    out = x -> softmax(0)\n}\n")
    with pytest.raises(resgraph.ResgraphError, match=r"softmax\(dim=-3\) needs"):
        resgraph.loads("model m {\n    input x[4, 3, 5]\n    out = x -> adaptive_avgpool(1) -> flatten -> softmax(-3)\n}\n")
