"""timm's model API on a compiled module: the parts of forward share its parameters and give its
outputs exactly; reset_classifier keeps save_model true; the data config is what timm reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.errors import UsageError

TIMM = json.loads((Path(__file__).parents[1] / "fixtures" / "timm_model_api.json").read_text())

# a DPN-like head: the classifier is a 1x1 conv on the pooled map, flattened after it
CONV_HEAD = """model convhead(num_classes: int = 5) {
    option mean = [0.5, 0.5, 0.5]
    option std = [0.25, 0.25, 0.25]
    option interpolation = "bicubic"
    option crop_pct = 0.95
    input x[3, 16, 16]
    out = x -> stem: conv(8, 3, 2) -> bn: bn -> relu -> pool: adaptive_avgpool(1)
            -> classifier: conv(num_classes, 1) -> flatten
}
"""
SEGMENTER = """model seg {
    input x[3, 16, 16]
    out = x -> conv(8, 3, 2) -> relu -> score: conv(4, 1) -> upsample(2)
}
"""


@pytest.fixture(scope="module")
def resnet():
    return resgraph.compile("resnet18", num_classes=10, input_shape=(3, 64, 64), seed=0)


def image(n: int = 2, size: int = 64) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_features_then_head_is_forward_exactly(resnet, mode):
    m = copy.deepcopy(resnet).train(mode == "train")
    x = image()
    with torch.no_grad():
        features = m.forward_features(x)
        assert features.shape == (2, 512, 2, 2) and m.num_features == 512
        assert torch.equal(m.forward_head(features), m(x))
        pre = m.forward_head(features, pre_logits=True)
    assert pre.shape == (2, m.head_hidden_size) and torch.equal(pre, features.mean((2, 3)))
    assert torch.equal(m.get_classifier()(pre), m.forward_head(features))


def test_the_parts_hold_no_state_of_their_own(resnet):
    m = copy.deepcopy(resnet).eval()
    keys = list(m.state_dict())
    m.forward_features(image())
    assert list(m.state_dict()) == keys and len(list(m.parameters())) == len(list(resnet.parameters()))
    m.to(torch.float64)  # .to() moves what the parts read
    assert m.forward_features(image().double()).dtype == torch.float64
    twin = copy.deepcopy(m)
    with torch.no_grad():
        twin.get_submodule("layer4.1.conv2").weight.zero_()
        x = image().double()
        assert not torch.equal(twin.forward_features(x), m.forward_features(x))  # each copy reads its own
        assert torch.equal(twin.forward_head(twin.forward_features(x)), twin(x))


def test_the_classifier_facts(resnet):
    assert (resnet.num_classes, resnet.get_classifier().out_features) == (10, 10)
    assert resnet.feature_info == [
        {"num_chs": 64, "reduction": 2, "module": "relu"}, {"num_chs": 64, "reduction": 4, "module": "layer1"},
        {"num_chs": 128, "reduction": 8, "module": "layer2"}, {"num_chs": 256, "reduction": 16, "module": "layer3"},
        {"num_chs": 512, "reduction": 32, "module": "layer4"}]


@pytest.mark.parametrize("name", ["convnext_tiny", "mobilenet_v2"])
def test_heads_in_groups_split_exactly(name):
    """ConvNeXt's head group (a LayerNorm over a 1x1 map, permuted around it) and MobileNet's
    (dropout before the classifier)."""
    m = resgraph.compile(name, input_shape=(3, 32, 32), seed=0).eval()
    x = image(1, 32)
    with torch.no_grad():
        f = m.forward_features(x)
        assert torch.equal(m.forward_head(f), m(x))
        assert m.forward_head(f, pre_logits=True).shape == (1, m.num_features)


def test_pretrained_cfg_is_the_specs_data_config():
    m = resgraph.compile(resgraph.loads(CONV_HEAD), seed=0)
    cfg = m.pretrained_cfg
    assert cfg == {"input_size": (3, 16, 16), "mean": (0.5, 0.5, 0.5), "std": (0.25, 0.25, 0.25),
                   "interpolation": "bicubic", "crop_pct": 0.95, "crop_mode": "center", "first_conv": "stem",
                   "pool_size": (8, 8), "num_classes": 5, "classifier": "classifier"}
    assert m.default_cfg == cfg
    assert set(TIMM["resolved_keys"]) <= set(cfg)  # every key timm's resolve_model_data_config reads
    defaults = resgraph.compile("resnet18", input_shape=(3, 64, 64), seed=0).pretrained_cfg
    assert {k: defaults[k] for k in ("mean", "std", "interpolation", "crop_pct")} == {
        "mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225), "interpolation": "bilinear", "crop_pct": 0.875}


def test_timm_resolves_the_data_config():
    timm_data = pytest.importorskip("timm.data")
    m = resgraph.compile(resgraph.loads(CONV_HEAD), seed=0)
    assert timm_data.resolve_model_data_config(m) == {
        "input_size": (3, 16, 16), "interpolation": "bicubic", "mean": (0.5, 0.5, 0.5), "std": (0.25, 0.25, 0.25),
        "crop_pct": 0.95, "crop_mode": "center"}


def test_a_conv_classifier_gives_flat_pre_logits():
    m = resgraph.compile(resgraph.loads(CONV_HEAD), seed=0).eval()
    x = image(size=16)
    with torch.no_grad():
        f = m.forward_features(x)
        assert torch.equal(m.forward_head(f), m(x))
        assert m.forward_head(f, pre_logits=True).shape == (2, 8) and m.num_classes == 5


def test_reset_classifier_then_save_and_load(resnet, tmp_path):
    m = copy.deepcopy(resnet).eval()
    m.reset_classifier(3)
    x = image()
    assert m(x).shape == (2, 3) and m.num_classes == 3 and m.state_dict()["fc.weight"].shape == (3, 512)
    saved = resgraph.save_model(m, tmp_path / "three")
    spec = (saved / "model.rg").read_text()
    assert "block basic" in spec and "num_classes: int = 3" in spec  # the spec keeps its blocks
    back = resgraph.load_model(saved).eval()
    with torch.no_grad():
        assert torch.equal(back(x), m(x))


def test_reset_classifier_to_zero_returns_the_pre_logits(resnet, tmp_path):
    m = copy.deepcopy(resnet).eval()
    x = image()
    with torch.no_grad():
        pre = m.forward_head(m.forward_features(x), pre_logits=True)
        m.reset_classifier(0)
        assert torch.equal(m(x), pre)
    assert (m.num_classes, type(m.get_classifier()).__name__) == (0, "Identity") and "fc.weight" not in m.state_dict()
    saved = resgraph.save_model(m, tmp_path / "zero")
    assert 'option classifier = "fc"' in (saved / "model.rg").read_text()  # written flat, the slot named
    back = resgraph.load_model(saved).eval()
    with torch.no_grad():
        assert torch.equal(back(x), pre)
    assert back.num_classes == 0
    back.reset_classifier(4)  # the slot is found again: a linear on the pooled vector
    assert back(x).shape == (2, 4) and back.get_classifier().in_features == 512


def test_reset_classifier_refusals(resnet):
    for bad in (-1, True, 2.0):
        with pytest.raises(UsageError, match="number of classes"):
            resnet.reset_classifier(bad)
    with pytest.raises(UsageError, match="the pool is the spec's own"):
        resnet.reset_classifier(0, "")
    fast = resgraph.optimize(copy.deepcopy(resnet).eval(), opt_level=1)
    with pytest.raises(UsageError, match="opt level 0"):
        fast.reset_classifier(2)


def test_the_api_at_opt_level_1(resnet):
    fast = resgraph.optimize(copy.deepcopy(resnet).eval(), opt_level=1)
    x = image()
    with torch.no_grad():
        assert torch.allclose(fast.forward_head(fast.forward_features(x)), fast(x), atol=0, rtol=0)
    assert fast.feature_info == resnet.feature_info and fast.num_classes == 10


def test_a_segmenter_answers_the_classifier_api_with_a_usage_error():
    m = resgraph.compile(resgraph.loads(SEGMENTER), seed=0)
    calls = {"forward_features": lambda: m.forward_features(image(size=16)), "num_classes": lambda: m.num_classes,
             "feature_info": lambda: m.feature_info, "get_classifier": m.get_classifier,
             "reset_classifier": lambda: m.reset_classifier(3)}
    for use, call in calls.items():
        with pytest.raises(UsageError) as exc:
            call()
        assert exc.value.message.startswith(f"{use}: model 'seg' has no classifier head"), use
    assert m.pretrained_cfg["input_size"] == (3, 16, 16) and "num_classes" not in m.pretrained_cfg


def test_grad_checkpointing_needs_block_modules(resnet):
    fast = resgraph.optimize(copy.deepcopy(resnet).eval(), opt_level=1)  # one flat graph
    with pytest.raises(UsageError, match="nothing to checkpoint: its repeated blocks are not submodules"):
        fast.set_grad_checkpointing()
    fast.set_grad_checkpointing(False)  # nothing to undo
    assert not fast.grad_checkpointing
    with pytest.raises(UsageError, match="it repeats no block"):
        resgraph.compile(resgraph.loads(CONV_HEAD)).set_grad_checkpointing()
