"""examples/unet.rg: a U-Net has no reference to load, so it is held to what a U-Net must do.

Its shapes (a score per pixel of the 64x64 input, skips joined at the level of the same size),
-O1 computing what -O0 does, training lowering the loss, and a skip joined at the wrong level
being a located error rather than a wrong network.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from torch import nn

import resgraph
from resgraph.errors import ShapeError

UNET = Path(__file__).resolve().parents[1] / "examples" / "unet.rg"
DECODERS = ("bilinear", "transposed")


def load(decoder: str, **params) -> resgraph.Graph:
    return resgraph.load(UNET, bilinear=decoder == "bilinear", **params)


@pytest.mark.parametrize("decoder", DECODERS)
def test_scores_every_pixel_and_joins_each_skip_at_its_level(decoder):
    g = load(decoder, n_classes=3)
    assert str(g.type_of(g.output)) == "[3, 64, 64]" and g.warnings == []
    for level, size in (("3", 16), ("2", 32), ("1", 64)):
        assert g.inputs_of(f"dec{level}.concat")[1] == f"enc{level}.out"
        assert g.type_of(f"enc{level}.out").spatial == (size, size)
        assert g.type_of(f"dec{level}.concat").channels == 2 * g.type_of(f"enc{level}.out").channels
    kinds = {(u, v): kind for u, v, kind, _ in g.edges()}
    assert kinds[("enc3.out", "dec3.concat")] == "concat"


def test_transposed_decoder_counts_its_parameters():
    """Counted by hand: 3x3 convolutions without bias + BN, 2x2 transposed convolutions with
    bias, and the 1x1 head; the compiled module holds as many."""
    def double(cin, c):
        return 9 * cin * c + 2 * c + 9 * c * c + 2 * c

    w = 16
    expected = (double(3, w) + double(w, 2 * w) + double(2 * w, 4 * w) + double(4 * w, 8 * w)
                + sum(4 * cin * c + c + double(2 * c, c) for cin, c in ((8 * w, 4 * w), (4 * w, 2 * w), (2 * w, w)))
                + w * 2 + 2)
    g = load("transposed")
    assert g.param_count() == expected
    assert sum(p.numel() for p in resgraph.compile(g).parameters()) == expected


@pytest.mark.parametrize("decoder", DECODERS)
def test_O1_equals_O0(decoder):
    module = resgraph.compile(load(decoder), seed=0).eval()
    gen = torch.Generator().manual_seed(0)
    for m in module.modules():  # statistics away from the fresh 0 and 1, so folding BN matters
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2, generator=gen)
            m.running_var.uniform_(0.5, 1.5, generator=gen)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    optimized = resgraph.optimize(copy.deepcopy(module), opt_level=1)
    with torch.no_grad():
        y0, y1 = module(x), optimized(x)
    assert y0.shape == (2, 2, 64, 64)
    assert (y1 - y0).abs().max().item() <= 1e-5 * y0.abs().max().item()  # float32 rounding, relative


@pytest.mark.parametrize("decoder", DECODERS)
def test_training_lowers_the_loss_on_a_fixed_batch(decoder):
    """Segment a bright square from the background: a few Adam steps on one batch (a narrow
    U-Net, so that the test stays fast)."""
    module = resgraph.compile(load(decoder, width=8), seed=0).train()
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(2)) * 0.1
    target = torch.zeros(2, 64, 64, dtype=torch.long)
    target[:, 16:48, 16:48] = 1
    x[:, :, 16:48, 16:48] += 1.0
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-2)
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(module(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.8 * losses[0], losses


def test_a_skip_joined_at_the_wrong_level_is_a_located_error():
    """dec2 given enc3 (16x16) where its upsampled map is 32x32: the concat says which side is
    coarser and by how much, at the line that joins them."""
    text = UNET.read_text()
    wrong = text.replace("dec2: up(e2,", "dec2: up(e3,")
    assert wrong != text
    with pytest.raises(ShapeError) as info:
        resgraph.loads(wrong, path="unet.rg")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "concat(u, skip)" in s)
    col = text.splitlines()[line - 1].index("concat(u, skip)") + 1
    rendered = str(info.value)
    assert rendered.startswith(f"unet.rg:{line}:{col}: error: concat() operands have different spatial sizes")
    assert "u is [32, 32, 32], skip is [64, 16, 16]" in rendered
    assert "help: skip is downsampled 2x more than u" in rendered
    assert len(info.value.diagnostics) == 1  # one mistake, one error
