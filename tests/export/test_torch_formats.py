"""torch.export, torch.jit.script and torch.jit.trace work on level 0 and the portable level 1, called
straight from torch or through resgraph.export; on the runtime-only level 1 and on level 2 every
exporter stops with one UsageError that says which levels export."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.errors import UsageError
from resgraph.export import export_program, script, to_onnx, trace
from resgraph.optimization import compile_module
from resgraph.optimization.mkldnn_conv import FusedConv2d

from tests.optimization.helpers import randomized

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# torch.jit and torch.onnx's TorchScript exporter warn that they are deprecated; they still work
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SMALL = ["tiny_resnet", "tiny_densenet"]  # residual adds; dense concats, pre-activation BN, dropout


def small(name: str, opt_level: int):
    m = randomized(resgraph.compile(EXAMPLES / f"{name}.rg", seed=0))
    return resgraph.optimize(m, opt_level=1, portable=True) if opt_level else m


X = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))


TORCH = {
    "torch.export.export": lambda m: torch.export.export(m, (X,)).module(),
    "torch.jit.script": torch.jit.script,
    "torch.jit.trace": lambda m: torch.jit.trace(m, (X,)),
}


@pytest.mark.parametrize("exporter", sorted(TORCH))
@pytest.mark.parametrize("opt_level", [0, 1])
@pytest.mark.parametrize("name", SMALL)
def test_torch_exporters_work_on_level0_and_the_portable_level1(name, opt_level, exporter):
    m = small(name, opt_level)
    exported = TORCH[exporter](m)
    with torch.no_grad():
        torch.testing.assert_close(exported(X), m(X), rtol=1e-5, atol=1e-5)


def test_resgraph_helpers_make_the_example_input_and_a_dynamic_batch():
    m = small("tiny_resnet", 1)  # a symbolic batch makes torch.export several times slower
    program = export_program(m, dynamic_batch=True)
    x3 = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(program.module()(x3), m(x3), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(trace(m)(X), m(X), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(script(m)(x3), m(x3), rtol=1e-5, atol=1e-5)
    with pytest.raises(UsageError, match="was not compiled by resgraph"):
        trace(torch.nn.Conv2d(3, 3, 1))
    with pytest.raises(UsageError, match="expects a torch.nn.Module"):
        script(lambda x: x)


def _runtime_only_level1():
    o = resgraph.optimize(randomized(resgraph.compile(EXAMPLES / "tiny_resnet.rg", seed=0)), opt_level=1)
    if not any(isinstance(layer, FusedConv2d) for layer in o.modules()):
        pytest.skip("mkldnn_conv does not apply here (no oneDNN)")
    return o


EVERY_EXPORTER = {
    **TORCH,
    "torch.onnx.export": lambda m: torch.onnx.export(m, (X,), dynamo=False),
    "resgraph.export.export_program": export_program,
    "resgraph.export.script": script,
    "resgraph.export.trace": trace,
    "resgraph.to_onnx": lambda m: to_onnx(m, "never-written.onnx"),
}


@pytest.mark.parametrize("exporter", sorted(EVERY_EXPORTER))
def test_the_runtime_only_level1_says_which_levels_export(exporter, tmp_path, monkeypatch):
    o = _runtime_only_level1()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        EVERY_EXPORTER[exporter](o)
    text = str(caught.value)
    assert "cannot be exported: its convolutions run as oneDNN calls" in text
    assert "portable=True" in text and "resgraph export -O1" in text
    assert not list(tmp_path.iterdir())
    with torch.no_grad():  # and the module still runs
        torch.testing.assert_close(o(X), small("tiny_resnet", 0)(X), rtol=1e-4, atol=1e-4)


def test_level2_says_which_levels_export(monkeypatch):
    monkeypatch.setattr(compile_module, "cannot_compile", lambda gm: None)
    monkeypatch.setattr(compile_module, "runs_on_onednn", lambda gm: False)
    o2 = resgraph.optimize(small("tiny_resnet", 0), opt_level=2)  # torch.compile compiles on first call
    assert isinstance(o2, compile_module.Compiled)
    for export in (lambda: to_onnx(o2, "x.onnx"), lambda: torch.jit.script(o2)):
        with pytest.raises(UsageError, match=r"wrapped in torch.compile \(-O2\)"):
            export()
    with pytest.raises(UsageError, match="portable is for export"):
        resgraph.optimize(small("tiny_resnet", 0), opt_level=2, portable=True)
