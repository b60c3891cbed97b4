"""Live comparison with torchvision: load its weights into our module, get its numbers.

Skipped where torchvision is not installed (CI); run with
`/opt/tvenv/bin/python -m pytest tests/zoo/test_torchvision.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

torchvision = pytest.importorskip("torchvision")
from torchvision.models.densenet import DenseNet  # noqa: E402  (after importorskip)

import resgraph  # noqa: E402

pytestmark = pytest.mark.torchvision

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "torchvision_state_dicts.json").read_text())
# torchvision's own builders: the fixture's models that have published weights
TORCHVISION = [name for name, m in FIXTURE["models"].items() if m["published_gmacs"] is not None]


def reference(name: str) -> nn.Module:
    """torchvision's model; DenseNet-264 and the CIFAR DenseNet-BC through its DenseNet class."""
    if name == "densenet264":
        return DenseNet(growth_rate=32, block_config=(6, 12, 64, 48), num_init_features=64)
    if name == "densenet_bc_100_k12":  # the paper's CIFAR stem: one 3x3 conv of 2k channels
        ref = DenseNet(
            growth_rate=12, block_config=(16, 16, 16), num_init_features=24, num_classes=10
        )
        ref.features.conv0 = nn.Conv2d(3, 24, 3, padding=1, bias=False)
        ref.features.norm0 = ref.features.relu0 = ref.features.pool0 = nn.Identity()
        return ref
    return getattr(torchvision.models, name)()


def randomize_norms(model: nn.Module) -> None:
    """Fresh BN layers compute identity-like maps; random statistics make the test sharp."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)


def pair(name: str):
    torch.manual_seed(0)
    ref = reference(name)
    randomize_norms(ref)
    ours = resgraph.compile(name)
    ours.load_state_dict(ref.state_dict(), strict=True)
    return ref, ours


@pytest.mark.parametrize("name", [*TORCHVISION, "densenet264", "densenet_bc_100_k12"])
def test_same_numbers_as_torchvision(name):
    ref, ours = pair(name)
    size = 32 if name.startswith("densenet_bc") else 224
    x = torch.randn(2, 3, size, size)

    with torch.no_grad():
        assert (ours.eval()(x) - ref.eval()(x)).abs().max().item() <= 1e-5

    ref.train(), ours.train()
    y_ref, y_ours = ref(x), ours(x)
    assert (y_ours - y_ref).abs().max().item() <= 1e-5
    weights = torch.randn_like(y_ref)
    (y_ref * weights).sum().backward()
    (y_ours * weights).sum().backward()
    ref_params = dict(ref.named_parameters())
    for key, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, ref_params[key].grad, rtol=1e-4, atol=1e-5, msg=key)
    ref_state = ref.state_dict()  # running statistics took the same training-mode update
    for key, v in ours.state_dict().items():
        torch.testing.assert_close(v, ref_state[key], rtol=1e-5, atol=1e-6, msg=key)


def test_dropout_draws_the_same_masks_as_torchvision():
    """drop_rate puts dropout after each dense layer, where torchvision applies F.dropout."""
    torch.manual_seed(0)
    ref = torchvision.models.densenet121(drop_rate=0.2)
    ours = resgraph.compile("densenet121", drop_rate=0.2)
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    outputs = []
    for model in (ref.train(), ours.train()):
        torch.manual_seed(1)
        outputs.append(model(x))
    assert (outputs[0] - outputs[1]).abs().max().item() <= 1e-5
    torch.manual_seed(2)
    assert (ours(x) - outputs[0]).abs().max().item() > 1e-3  # other masks: the test can fail
