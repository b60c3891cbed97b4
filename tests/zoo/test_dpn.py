"""The zoo's DPN family against timm: the models test_architectures.py does not cover.

tests/test_architectures.py tests examples/dpn68.rg and the zoo's dpn92 from their fixtures;
here the zoo's own dpn68 meets the same fixture, the members without a fixture (DPN-68b, 98, 107,
131) their timm parameter counts, and, where timm is installed, timm itself: the same state_dict
layout, a strict load and equal outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import resgraph
from tests.fixtures import formula
from tests.test_architectures import layout, max_diff

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference"
SMALL = (3, 64, 64)
# timm 1.0.31, sum(p.numel() for p in timm.create_model(name).parameters())
TIMM_PARAMS = {
    "dpn68": 12_611_602,
    "dpn68b": 12_611_602,
    "dpn92": 37_668_392,
    "dpn98": 61_570_728,
    "dpn107": 86_917_800,
    "dpn131": 79_254_504,
}


def meta(name: str) -> torch.nn.Module:
    with torch.device("meta"):
        return resgraph.compile(resgraph.load(name, input_shape=SMALL))


@pytest.mark.parametrize("name", sorted(TIMM_PARAMS))
def test_parameter_count_is_timms(name):
    g = resgraph.load(name, input_shape=SMALL)
    assert g.param_count() == TIMM_PARAMS[name] and g.warnings == []


def test_zoo_dpn68_is_the_fixtures():
    """Same layout and outputs as timm's dpn68 (the example that imports these blocks is tested
    in test_architectures.py)."""
    fixture = json.loads((REFERENCE / "dpn68.json").read_text())
    module = meta("dpn68")
    assert layout(module) == fixture["state"]
    module = formula.fill(module.to_empty(device="cpu")).eval()
    with torch.no_grad():
        y = module(formula.example_input(fixture["input"]["eval_shape"]))
    assert max_diff(y, fixture["eval"]) <= 1e-4


def test_b_variant_splits_the_last_convolution():
    """DPN-68b: `c1x1_c` is only BN-ReLU, followed by a residual and a dense convolution."""
    keys = meta("dpn68b").state_dict()
    assert keys["features.conv2_2.c1x1_c1.weight"].shape == (64, 128, 1, 1)
    assert keys["features.conv2_2.c1x1_c2.weight"].shape == (16, 128, 1, 1)
    assert "features.conv2_2.c1x1_c.conv.weight" not in keys


@pytest.mark.torchvision
@pytest.mark.parametrize("name", ["dpn68b", "dpn98", "dpn107", "dpn131"])
def test_same_layout_as_live_timm(name):
    timm = pytest.importorskip("timm")
    with torch.device("meta"):
        ref = timm.create_model(name)
    assert layout(meta(name)) == layout(ref)


@pytest.mark.torchvision
def test_dpn68b_same_numbers_as_live_timm():
    """The b variant's split convolutions, loaded strictly, compute timm's function."""
    timm = pytest.importorskip("timm")
    ref = formula.fill(timm.create_model("dpn68b")).eval()
    ours = resgraph.compile(resgraph.load("dpn68b", input_shape=SMALL)).eval()
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(2, *SMALL)
    with torch.no_grad():
        assert (ours(x) - ref(x)).abs().max().item() <= 1e-5
