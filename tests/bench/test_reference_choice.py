"""The benchmark's reference comes from the spec's docstring; a missing library skips the model, with
the install command, and never shows a traceback. None of these need timm or torchvision installed."""

from __future__ import annotations

import json

import pytest
import torch

from resgraph.bench import reference as references
from resgraph.bench import run as bench_run
from resgraph.zoo.reference import Reference, describe, library_reference


@pytest.mark.parametrize("doc, want", [
    ("SE-ResNet-50 (Hu et al. 2018; timm seresnet50): 28,088,024 parameters.", Reference("timm", "seresnet50")),
    ('DPN-68 (Chen et al. 2017; timm.create_model("dpn68")): 12,611,602 parameters.', Reference("timm", "dpn68")),
    ("ResNet-50 v1.5 (He et al. 2015; torchvision.models.resnet50): 25,557,032 parameters.",
     Reference("torchvision", "resnet50")),
    ("FCN-ResNet50 (Long et al. 2015; torchvision.models.segmentation.fcn_resnet50 with\n    aux_loss=False): ...",
     Reference("torchvision", "segmentation.fcn_resnet50")),
    ("ResNet-20 for CIFAR-10 (He et al. 2015, Table 6): 269,722 parameters.", None),
    # only the opening (before the first colon) names the reference; "torchvision's" names no builder
    ("DenseNet-264 (Huang et al. 2017, k=32) with torchvision's stem: 33,337,704 parameters. "
     "Not timm.create_model('x'): its DenseNet class is the reference.", None),
    (None, None),
])
def test_docstring_names_the_library_and_builder(doc, want):
    assert library_reference(doc) == want


def test_zoo_listing_and_benchmark_read_the_same_opening():
    assert describe("X (Y 2020; timm x):  more: text") == "X (Y 2020; timm x)"


@pytest.mark.parametrize("model, want", [
    ("seresnet50", Reference("timm", "seresnet50")),
    ("mobilenet_v2", Reference("torchvision", "mobilenet_v2")),
    ("resnet50", Reference("torchvision", "resnet50")),
    ("densenet264", None),  # not a torchvision builder: the hand-written DenseNet is its reference
])
def test_zoo_models_name_their_reference(model, want):
    assert references.named(model) == want


def without(monkeypatch, *libraries):
    """Pretend `libraries` are not installed, whatever this machine has."""
    real = references.installed
    monkeypatch.setattr(references, "installed", lambda lib: lib not in libraries and real(lib))


def test_missing_library_skips_the_model_with_the_install_command(monkeypatch):
    without(monkeypatch, "timm", "torchvision")
    assert references.unavailable("seresnet50") == (
        "seresnet50: timm is not installed: pip install 'resgraph[reference]'")
    assert references.unavailable("mobilenet_v2") == (
        "mobilenet_v2: torchvision is not installed: pip install 'resgraph[reference]'")
    assert references.unavailable("resnet50") is None  # the hand-written ResNet stands in
    assert references.source("resnet50") == references.HAND_WRITTEN
    with pytest.raises(references.UsageError, match="timm is not installed"):
        references.reference("seresnet50")


def test_a_run_skips_what_it_cannot_reference_and_measures_the_rest(monkeypatch, tmp_path, capsys):
    without(monkeypatch, "timm", "torchvision")
    out = tmp_path / "r.json"
    bench_run.main(["seresnet50", "resnet18", "--batch", "1", "--size", "32", "--repeats", "1", "--warmup", "1",
                    "--no-compile", "--no-train", "--no-memory", "--no-construct", "--no-peers", "--json", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "skipped seresnet50: timm is not installed: pip install 'resgraph[reference]'" in captured.out
    results = json.loads(out.read_text())
    assert results["models"]["seresnet50"] == {"skipped": "seresnet50: timm is not installed: "
                                                          "pip install 'resgraph[reference]'"}
    rows = results["models"]["resnet18"]["inference"]["batch 1"]
    assert results["models"]["resnet18"]["reference"] == references.HAND_WRITTEN
    assert set(rows) >= {"eager", "resgraph -O0", "resgraph -O1"}
    assert rows["eager"]["max_abs_err"] == 0.0
    assert all(r["max_abs_err"] < 1e-3 for r in rows.values()), {v: r["max_abs_err"] for v, r in rows.items()}


def test_a_model_with_no_reference_anywhere_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        bench_run.main(["cifar_resnet20", "--json", "unused.json"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err
    assert err.startswith("error: no eager reference for cifar_resnet20\nhelp: models: densenet121"), err


@pytest.mark.parametrize("model, library", [("seresnet50", "timm"), ("mobilenet_v2", "torchvision")])
def test_where_installed_the_library_model_is_the_reference_and_loads_strictly(model, library):
    lib = pytest.importorskip(library)
    eager = references.reference(model)
    assert type(eager).__module__.startswith(library)
    assert references.source(model) == f"{library} {lib.__version__} {model}"
    references.ours(model, eager.state_dict())  # strict: a missing or extra key raises


def test_a_contestant_that_raises_is_a_failed_row_not_a_crash():
    from resgraph.bench import variants
    from resgraph.bench.report import markdown, table

    def refuses():
        raise RuntimeError("mkldnn_mul_out: currently mkldnn not support broadcasting\nmore")

    x = torch.ones(2)
    errors, failed = variants.check_outputs({"eager": lambda: x, "ours": lambda: x + 1e-6, "trick": refuses})
    assert errors["eager"]["max_abs_err"] == 0 and 0 < errors["ours"]["max_abs_err"] < 1e-5
    assert set(errors) == {"eager", "ours"}
    assert failed == {"trick": "RuntimeError: mkldnn_mul_out: currently mkldnn not support broadcasting"}
    rows = {"eager": {"median_s": 0.01, "ratio": 1.0, "max_abs_err": 0.0}, "trick": {"failed": failed["trick"]}}
    results = {"command": "c", "machine": {}, "models": {"m": {"inference": {"batch 1": rows}}}}
    assert "  trick  failed: RuntimeError: mkldnn_mul_out" in table(results)
    assert all(len(line) <= 80 for line in table(results).splitlines())
    assert f"| trick | {failed['trick']} | failed |" in markdown(results)
