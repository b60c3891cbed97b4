"""What `resgraph import` writes for the reference models (torchvision's, timm's), held to them.

Everywhere, from fixtures (tests/fixtures/imported/, written by make_import_fixtures.py, which
names the library versions): each recorded spec is in `resgraph fmt` layout, loads, holds exactly
the reference's state_dict layout (a strict load works), and, for a model of each family, computes
the reference's outputs with the formula's weights, -O1 as -O0. Where torchvision and timm are
installed, each model is imported again: the text is the recorded one, and the round trip holds.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.syntax.fmt import format_text
from tests.fixtures import formula
from tests.tools.importer.roundtrip import roundtrip

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "imported"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
SMALL = (3, 64, 64)
# the models the issue names, and a model of each other family: their outputs are checked in CI
NUMERIC = ["resnet50", "densenet121", "googlenet", "mobilenet_v2", "fcn_resnet50", "resnet50d", "resnetv2_18",
           "seresnet50", "dpn68", "ese_vovnet19b_dw", "convnext_tiny"]
TOLERANCE = 1e-4  # fixture outputs are rounded to 7 significant digits


@cache
def meta(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def spec(name: str) -> str:
    return (FIXTURES / meta(name)["spec"]).read_text()


def layout_digest(state: dict) -> str:
    lines = (f"{k} {','.join(map(str, v.shape)) or '-'} {str(v.dtype).removeprefix('torch.')}" for k, v in state.items())
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def test_every_family_has_fixtures():
    assert set(NUMERIC) <= set(NAMES) and len(NAMES) >= 30
    probe = [float(f"{v:.7g}") for v in formula.uniform("probe", 4).tolist()]
    assert all(meta(n)["formula_probe"] == probe for n in NAMES), "rerun tests/fixtures/make_import_fixtures.py"


@pytest.mark.parametrize("name", NAMES)
def test_recorded_spec_holds_the_references_weights(name):
    text = spec(name)
    assert format_text(text) == text
    graph = resgraph.loads(text, input_shape=SMALL)
    assert graph.warnings == [] and graph.param_count() == meta(name)["num_params"]
    with torch.device("meta"):
        module = resgraph.compile(graph)
    assert layout_digest(module.state_dict()) == meta(name)["layout_sha256"]


@pytest.mark.parametrize("name", NUMERIC)
def test_recorded_spec_computes_the_references_outputs(name):
    with torch.device("meta"):
        module = resgraph.compile(resgraph.loads(spec(name), input_shape=SMALL))
    module = formula.fill(module.to_empty(device="cpu")).eval()
    recorded = meta(name)["eval"]
    x = formula.example_input(recorded["input_shape"])
    with torch.no_grad():
        y = module(x)
        optimized = resgraph.optimize(copy.deepcopy(module), opt_level=1)(x)
    assert _max_diff(y, recorded) <= TOLERANCE
    assert (optimized - y).abs().max().item() <= TOLERANCE * max(1.0, y.abs().max().item())


def _max_diff(y: torch.Tensor, recorded: dict) -> float:
    assert list(y.shape) == recorded["shape"]
    flat = y.double().flatten()
    if "indices" in recorded:  # a segmentation map: its sums and sampled values
        assert flat.sum().item() == pytest.approx(recorded["sum"], rel=1e-5, abs=1e-3)
        flat = flat[recorded["indices"]]
    return (flat - torch.tensor(recorded["values"], dtype=torch.float64)).abs().max().item()


@pytest.mark.torchvision
@pytest.mark.parametrize("name", NAMES)
def test_live_import_is_the_recorded_one(name):
    """The reference imported again (at 64x64: the spec differs in its input line only): the
    text the fixture holds, and the whole round trip — checked, compiled, loaded strictly, equal
    outputs, -O1 as -O0."""
    timm = pytest.importorskip("timm")
    torchvision = pytest.importorskip("torchvision")
    reference = eval(meta(name)["constructor"], {"timm": timm, "torchvision": torchvision}).eval()
    torch.manual_seed(0)
    for m in reference.modules():  # statistics away from their defaults, so that folding them is tested
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(2, *SMALL, generator=torch.Generator().manual_seed(0))
    _, text = roundtrip(reference, x, name=name)
    versions = {"torch": torch.__version__, "torchvision": torchvision.__version__, "timm": timm.__version__}
    if versions != meta(name)["versions"]:
        pytest.skip(f"the fixture was recorded with {meta(name)['versions']}, this is {versions}")
    at_224 = re.sub(r"input x\[3, 64, 64\]", "input x[3, 224, 224]", text)
    assert at_224 == spec(name)


def test_docs_show_recorded_specs():
    """docs/import.md shows two imported specs in full: the recorded ones (which the live test
    keeps equal to what the importer writes)."""
    docs = (ROOT / "docs" / "import.md").read_text()
    shown = re.findall(r"<!-- imported: (\w+) -->\n```rg\n(.*?)```", docs, re.S)
    assert len(shown) == 2 and {n for n, _ in shown} <= set(NAMES)
    for name, text in shown:
        assert text == spec(name), f"docs/import.md's {name} is not tests/fixtures/imported/{name}.rg"


def _definition(path: Path, header: str) -> list[str]:
    """The lines of one definition of a zoo file, from its header to its closing brace."""
    lines = path.read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(header))
    end = next(k for k in range(start, len(lines)) if lines[k] == "}")
    return lines[start:end + 1]


def test_imported_resnet50_is_at_most_twice_the_hand_written_one():
    zoo = ROOT / "resgraph" / "zoo"
    written = _definition(zoo / "resnet.rg", "model resnet50(") + _definition(zoo / "resnet_blocks.rg", "block bottleneck(")
    imported = spec("resnet50").splitlines()
    assert len(imported) <= 2 * len(written)
    assert "block bottleneck(" in spec("resnet50") and "if downsample {" in spec("resnet50")
