"""The example specs of architectures beyond the zoo, against their timm / torchvision references.

Runs everywhere from fixtures (tests/fixtures/reference/*.json, written by
make_reference_fixtures.py): the exact parameter count, the reference's state_dict layout, and
the reference's outputs with every tensor filled by the shared formula (tests/fixtures/formula.py)
— so `load_state_dict(strict=True)` of the reference's weights works and computes the same
function. Where timm and torchvision are installed, a live test loads the reference itself.
Adding an architecture is one line of ARCHS.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import torch
from torch import nn

import resgraph
from tests.fixtures import formula

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
REFERENCE = ROOT / "tests" / "fixtures" / "reference"
TOLERANCE = 1e-4  # fixture outputs are rounded to 7 significant digits
TRAIN_TOLERANCE = 5e-4  # relative to the output's size: see test_train_outputs_are_the_references


@dataclass(frozen=True)
class Arch:
    spec: str  # examples/<spec>.rg, or a zoo model's name (`zoo:<name>` where an example has it)
    reference: str  # tests/fixtures/reference/<reference>.json

    def __str__(self) -> str:
        return self.spec


ARCHS = [
    # timm registers each block's `downsample` before `norm1` though it runs after it; resgraph
    # registers modules in statement order, so resnetv2_blocks.rg writes the shortcut first.
    Arch("preact_resnet18", "resnetv2_18"),
    Arch("resnet50d", "resnet50d"),
    Arch("mobilenet_v2", "mobilenet_v2"),
    Arch("se_resnet50", "seresnet50"),
    Arch("zoo:resnet50d", "resnet50d"),  # the zoo's, where an example has the same name
    Arch("resnetv2_18", "resnetv2_18"),
    Arch("resnetv2_50", "resnetv2_50"),
    Arch("seresnet50", "seresnet50"),
    Arch("seresnext50_32x4d", "seresnext50_32x4d"),
    Arch("zoo:mobilenet_v2", "mobilenet_v2"),
    Arch("vovnet39a", "vovnet39a"),
    Arch("zoo:vovnet39a", "vovnet39a"),
    Arch("zoo:ese_vovnet19b_dw", "ese_vovnet19b_dw"),
    Arch("googlenet", "googlenet"),
    Arch("dpn68", "dpn68"),  # examples/dpn68.rg; the zoo's dpn68 in tests/zoo/test_dpn.py
    Arch("dpn92", "dpn92"),
    Arch("convnext_tiny", "convnext_tiny"),
    Arch("zoo:convnext_tiny", "convnext_tiny"),
    Arch("fcn_resnet50", "fcn_resnet50"),
]
TRAIN = [a for a in ARCHS if "train" in json.loads((REFERENCE / f"{a.reference}.json").read_text())]


@cache
def fixture(arch: Arch) -> dict:
    return json.loads((REFERENCE / f"{arch.reference}.json").read_text())


def small_shape(arch: Arch) -> tuple[int, ...]:
    return tuple(fixture(arch)["input"]["eval_shape"][1:])


@cache
def graph(arch: Arch) -> resgraph.Graph:
    path = EXAMPLES / f"{arch.spec}.rg"
    source = path if path.is_file() else arch.spec.removeprefix("zoo:")
    return resgraph.load(source, input_shape=small_shape(arch))


@cache
def filled(arch: Arch) -> torch.fx.GraphModule:
    """The -O0 module with the formula's weights, in eval mode; tests copy it before changing it.
    Built on the meta device and filled in place: resgraph's own initialization would be overwritten."""
    with torch.device("meta"):
        module = resgraph.compile(graph(arch))
    return formula.fill(module.to_empty(device="cpu")).eval()


def layout(module: nn.Module) -> list[str]:
    return [
        f"{k} {','.join(map(str, v.shape)) or '-'} {str(v.dtype).removeprefix('torch.')}"
        for k, v in module.state_dict().items()
    ]


def train_mode(module: nn.Module) -> nn.Module:
    """As the fixtures were recorded: batch norm on batch statistics, dropout off."""
    module.train()
    for m in module.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    return module


def tensor(y) -> torch.Tensor:
    return y["out"] if isinstance(y, dict) else y  # torchvision's segmentation models: {"out": ...}


def labels(y: torch.Tensor) -> torch.Tensor:
    """Classes 0 and 1 for a batch of 2: per sample, or per pixel of a segmentation map."""
    target = torch.tensor([0, 1])
    return target.view(2, 1, 1).expand(2, *y.shape[2:]) if y.dim() == 4 else target


def max_diff(y: torch.Tensor, recorded: dict) -> float:
    y = tensor(y)
    assert list(y.shape) == recorded["shape"]
    flat = y.detach().double().flatten()
    if "indices" in recorded:  # a large map: its sums and sampled values
        assert flat.sum().item() == pytest.approx(recorded["sum"], rel=1e-5, abs=1e-3)
        assert flat.abs().sum().item() == pytest.approx(recorded["abs_sum"], rel=1e-5)
        flat = flat[recorded["indices"]]
    return (flat - torch.tensor(recorded["values"], dtype=torch.float64)).abs().max().item()


def test_fixtures_were_written_with_this_formula():
    for arch in ARCHS:
        probe = [float(f"{v:.7g}") for v in formula.uniform("probe", 4).tolist()]
        assert fixture(arch)["formula_probe"] == probe, (
            f"{arch.reference}.json was written with another formula: rerun "
            "tests/fixtures/make_reference_fixtures.py")


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_parameter_count_is_the_references(arch):
    g = graph(arch)
    assert g.param_count() == fixture(arch)["num_params"] and g.warnings == []
    with torch.device("meta"):
        module = resgraph.compile(g)
    assert sum(p.numel() for p in module.parameters()) == fixture(arch)["num_params"]


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_state_dict_layout_is_the_references(arch):
    """Same keys, shapes and dtypes (num_batches_tracked too) in the same order: a strict load works."""
    with torch.device("meta"):
        ours = layout(resgraph.compile(graph(arch)))
    expected = fixture(arch)["state"]
    assert sorted(set(ours) - set(expected)) == [] and sorted(set(expected) - set(ours)) == []
    assert ours == expected  # in the reference's order too


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_eval_outputs_are_the_references(arch):
    x = formula.example_input(fixture(arch)["input"]["eval_shape"])
    with torch.no_grad():
        y = filled(arch)(x)
    assert max_diff(y, fixture(arch)["eval"]) <= TOLERANCE


@pytest.mark.parametrize("arch", TRAIN, ids=str)
def test_train_outputs_are_the_references(arch):
    """Batch statistics (batch 2): every BN sits where the reference's does, not only its weights."""
    module = train_mode(copy.deepcopy(filled(arch)))
    with torch.no_grad():
        y = module(formula.example_input(fixture(arch)["input"]["train_shape"]))
    # Statistics of a batch of 2 amplify the rounding of the CPU's kernels: AVX-512 ones (Zen 4)
    # differ from the fixture's by up to 5.1e-4 on resnet50d (outputs up to 3.4), hence relative.
    assert max_diff(y, fixture(arch)["train"]) <= TRAIN_TOLERANCE * max(1.0, tensor(y).abs().max().item())


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_O1_equals_O0(arch):
    x = formula.example_input(fixture(arch)["input"]["eval_shape"])
    optimized = resgraph.optimize(copy.deepcopy(filled(arch)), opt_level=1)
    with torch.no_grad():
        assert (optimized(x) - filled(arch)(x)).abs().max().item() <= TOLERANCE


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_one_training_step(arch):
    """SGD on batch 2 at 32x32 (backward is the slow part): finite, and every weight moves."""
    module = copy.deepcopy(filled(arch)).train()
    before = {k: p.detach().clone() for k, p in module.named_parameters()}
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01)
    x = formula.example_input((2, small_shape(arch)[0], 32, 32))
    y = module(x)
    loss = nn.functional.cross_entropy(y, labels(y))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in module.parameters())
    optimizer.step()
    changed = [k for k, p in module.named_parameters() if not torch.equal(p.detach(), before[k])]
    assert len(changed) == len(before)  # every parameter is on the loss's path
    assert torch.isfinite(nn.functional.cross_entropy(module(x), labels(y)))


@pytest.mark.torchvision
@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_same_numbers_as_the_live_reference(arch):
    """The reference itself: strict load of its weights, equal outputs in eval and train mode, and
    equal gradients; its formula-filled outputs are still the fixture's (else regenerate it)."""
    timm = pytest.importorskip("timm")
    torchvision = pytest.importorskip("torchvision")
    ref = eval(fixture(arch)["constructor"], {"timm": timm, "torchvision": torchvision})
    formula.fill(ref).eval()
    x = formula.example_input(fixture(arch)["input"]["eval_shape"])
    with torch.no_grad():
        assert max_diff(ref(x), fixture(arch)["eval"]) <= TOLERANCE

    torch.manual_seed(0)
    for m in ref.modules():  # fresh statistics, away from the formula's
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    ours = resgraph.compile(graph(arch))
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(2, *small_shape(arch))
    with torch.no_grad():
        assert (ours.eval()(x) - tensor(ref.eval()(x))).abs().max().item() <= 1e-5
    y_ref, y_ours = tensor(train_mode(ref)(x)), train_mode(ours)(x)
    assert (y_ours - y_ref).abs().max().item() <= 1e-5
    weights = torch.randn_like(y_ref)
    (y_ref * weights).sum().backward()
    (y_ours * weights).sum().backward()
    ref_params = dict(ref.named_parameters())
    for key, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, ref_params[key].grad, rtol=1e-4, atol=1e-5, msg=key)
