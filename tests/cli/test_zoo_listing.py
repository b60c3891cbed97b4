"""`resgraph zoo` on timm's families: each model with the reference its docstring names, its
parameters and its GMACs (conv + linear equal to fvcore's count, tests/zoo/test_timm_resnets.py)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from resgraph.cli import app
from tests.zoo.test_models import EXPECTED_PARAMS
from tests.zoo.test_timm_resnets import FVCORE_CONV_LINEAR

TIMM_FAMILIES = {
    "resnet_d": ["resnet50d", "resnet101d"],
    "resnetv2": ["resnetv2_18", "resnetv2_34", "resnetv2_50", "resnetv2_101"],
    "seresnet": ["seresnet50", "seresnet101", "seresnext50_32x4d", "seresnext101_32x4d"],
}


def test_json_lists_the_timm_families_with_reference_params_and_macs():
    result = CliRunner().invoke(app, ["zoo", *TIMM_FAMILIES, "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert [(e["family"], e["model"]) for e in entries] == [
        (f, m) for f, models in TIMM_FAMILIES.items() for m in models]  # families in FAMILIES order
    for e in entries:
        assert e["reference"].endswith(f"; timm {e['model']})"), e["reference"]
        assert e["params"] == EXPECTED_PARAMS[e["model"]] and e["input"] == [3, 224, 224]
        assert e["macs_all"] > e["macs_conv_linear"] > 1e9
        if e["model"] in FVCORE_CONV_LINEAR:
            assert e["macs_conv_linear"] == FVCORE_CONV_LINEAR[e["model"]]


def test_table_shows_reference_and_gmacs():
    result = CliRunner().invoke(app, ["zoo", "seresnet"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("seresnet50 "))
    assert "28,088,024" in row and "4.092" in row and "4.121" in row
    assert "SE-ResNet-50 (Hu et al. 2018; timm seresnet50)" in row
    assert "resnet50d" not in result.output
