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
