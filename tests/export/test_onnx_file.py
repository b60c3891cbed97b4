"""resgraph.to_onnx beyond the zoo sweep: a dynamic batch at two sizes, both exporters, the file
written whole or not at all, eval mode, metadata, modules resgraph did not compile, and the hints."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.errors import CompileError, UsageError
from resgraph.export import onnx_file, onnxruntime_check

from tests.export.helpers import assert_onnxruntime_equals, batch
from tests.optimization.helpers import randomized

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def tiny(name: str, opt_level: int = 0):
    m = randomized(resgraph.compile(EXAMPLES / f"{name}.rg", seed=0))
    return resgraph.optimize(m, opt_level=1, portable=True) if opt_level else m


@pytest.mark.parametrize("name, opt_level", [("tiny_resnet", 0), ("tiny_densenet", 1)])
def test_dynamic_batch_runs_at_two_batch_sizes(name, opt_level, tmp_path):
    m = tiny(name, opt_level)
    path = tmp_path / "m.onnx"
    done = resgraph.to_onnx(m, path, dynamic_batch=True, verify=True)
    assert done.path == path and done.size == path.stat().st_size and done.agreement.ok
    (x,) = onnx.load(str(path)).graph.input
    assert x.name == "x" and x.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert_onnxruntime_equals(m, path, [batch(m, 1), batch(m, 3, seed=1)])


def test_a_static_export_is_traced_at_batch_1(tmp_path):
    m = tiny("tiny_resnet")
    resgraph.to_onnx(m, tmp_path / "m.onnx")
    (x,) = onnx.load(str(tmp_path / "m.onnx")).graph.input
    assert [d.dim_value for d in x.type.tensor_type.shape.dim] == [1, 3, 32, 32]


def test_the_torch_export_based_exporter_too(tmp_path):
    pytest.importorskip("onnxscript")
    m = tiny("tiny_resnet", 1)  # the smallest: this exporter takes seconds more
    done = resgraph.to_onnx(m, tmp_path / "m.onnx", dynamo=True, dynamic_batch=True)
    assert done.exporter == "torch.export"
    onnx.checker.check_model(str(tmp_path / "m.onnx"), full_check=True)
    assert_onnxruntime_equals(m, tmp_path / "m.onnx", [batch(m, 1), batch(m, 3, seed=1)])


def test_metadata_names_the_model_and_its_level(tmp_path):
    resgraph.to_onnx(tiny("tiny_densenet", 1), tmp_path / "m.onnx")
    props = {p.key: p.value for p in onnx.load(str(tmp_path / "m.onnx")).metadata_props}
    assert props == {"resgraph.model": "tiny_densenet", "resgraph.opt_level": "1 portable"}


def test_exports_in_eval_mode_and_restores_each_layers_mode(tmp_path):
    m = tiny("tiny_densenet").train()
    m.features.norm5.eval()
    resgraph.to_onnx(m, tmp_path / "m.onnx")
    assert m.training and not m.features.norm5.training and m.features.denseblock1.denselayer1.norm1.training
    assert_onnxruntime_equals(m.eval(), tmp_path / "m.onnx", [batch(m, 1)])  # BN ran on running stats


def test_nothing_is_written_when_the_export_fails(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"the previous file")

    def broken(*args, **kwargs):
        raise RuntimeError("Exporting the operator 'aten::frobnicate' to ONNX opset version 20 is not supported.\nmore")

    monkeypatch.setattr(onnx_file.torch.onnx, "export", broken)
    with pytest.raises(CompileError, match="TorchScript exporter.* could not export this module: Exporting the operator"):
        resgraph.to_onnx(tiny("tiny_resnet"), path)
    assert path.read_bytes() == b"the previous file" and [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_nothing_is_written_when_onnxruntime_disagrees(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_file, "compare", lambda *a: onnxruntime_check.Agreement(0.5, 2.0))
    with pytest.raises(CompileError, match="differ from the module's by up to 0.5"):
        resgraph.to_onnx(tiny("tiny_resnet"), tmp_path / "m.onnx", verify=True)
    assert not list(tmp_path.iterdir())


def test_a_module_resgraph_did_not_compile_needs_an_example(tmp_path):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    with pytest.raises(UsageError, match="was not compiled by resgraph") as caught:
        resgraph.to_onnx(net, tmp_path / "m.onnx")
    assert "example_input=torch.randn(1, 3, 224, 224)" in str(caught.value)
    resgraph.to_onnx(net, tmp_path / "m.onnx", example_input=torch.randn(1, 3, 8, 8))
    assert [i.name for i in onnx.load(str(tmp_path / "m.onnx")).graph.input] == ["input"]
    assert_onnxruntime_equals(net, tmp_path / "m.onnx", [torch.randn(1, 3, 8, 8)])


def test_bad_arguments_and_paths_are_usage_errors(tmp_path):
    m = tiny("tiny_resnet")
    with pytest.raises(UsageError, match="dynamic_batch must be True or False"):
        resgraph.to_onnx(m, tmp_path / "m.onnx", dynamic_batch="yes")
    with pytest.raises(UsageError, match="example_input must be a tensor"):
        resgraph.to_onnx(m, tmp_path / "m.onnx", example_input=[1, 2])
    with pytest.raises(UsageError, match="it is a directory"):
        resgraph.to_onnx(m, tmp_path)
    with pytest.raises(UsageError, match="there is no directory"):
        resgraph.to_onnx(m, tmp_path / "missing" / "m.onnx")


@pytest.mark.parametrize("missing, option", [("onnx", {}), ("onnxscript", {"dynamo": True}),
                                             ("onnxruntime", {"verify": True})])
def test_a_missing_extra_says_how_to_install_it(missing, option, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, missing, None)  # import fails as if not installed
    with pytest.raises(UsageError, match=f"needs {missing}, which is not installed") as caught:
        resgraph.to_onnx(tiny("tiny_resnet"), tmp_path / "m.onnx", **option)
    assert "pip install 'resgraph[onnx]'" in str(caught.value) and not list(tmp_path.iterdir())
