"""`resgraph export`: a spec or a saved model to ONNX, -O1 portable, --dynamic-batch, --seed, --verify,
and exit codes 0 / 1 / 2 (a missing extra is a usage error with the install line)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph.cli import app

from tests.export.helpers import assert_onnxruntime_equals, batch

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY = EXAMPLES / "tiny_densenet.rg"


def invoke(*args, columns=80):
    return CliRunner().invoke(app, ["export", *map(str, args)], env={"COLUMNS": str(columns)})


def test_a_spec_at_the_portable_level1_with_a_dynamic_batch(tmp_path):
    out = tmp_path / "net.onnx"
    result = invoke(TINY, "-o", out, "-O1", "--dynamic-batch", "--seed", "3", "--verify")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"exported tiny_densenet (-O1 portable) to {out}"
    assert "  input       x [batch, 3, 32, 32]" in lines and "  output      output [batch, 10]" in lines
    assert any(ln.startswith("  onnxruntime max abs difference ") for ln in lines)
    assert max(map(len, lines[1:])) <= 80  # the first names the file the user gave
    same = resgraph.optimize(resgraph.compile(TINY, seed=3).eval(), opt_level=1, portable=True)  # --seed
    assert_onnxruntime_equals(same, out, [batch(same, 1), batch(same, 4, seed=1)])


def test_a_saved_model_keeps_its_weights(tmp_path):
    saved, out = tmp_path / "run0", tmp_path / "net.onnx"
    trained = resgraph.compile(EXAMPLES / "tiny_resnet.rg", num_classes=7, seed=5)
    resgraph.save_model(trained, saved)
    result = invoke(saved, "-o", out)
    assert result.exit_code == 0, result.output
    assert "  output      output [1, 7]" in result.stdout.splitlines()
    assert_onnxruntime_equals(trained.eval(), out, [batch(trained, 1)])
    refused = invoke(saved, "-o", out, "--seed", "1")
    assert refused.exit_code == 2 and "is a saved model" in refused.stderr


@pytest.mark.parametrize("args, says", [
    (["-O2"], "-O2 wraps the module in torch.compile"),
    (["-o", "{tmp}/missing/net.onnx"], "the directory {tmp}/missing does not exist"),
])
def test_usage_errors_exit_2_before_any_work(tmp_path, args, says):
    args = [a.format(tmp=tmp_path) for a in args]
    result = invoke(TINY, *(args if "-o" in args else ["-o", tmp_path / "net.onnx", *args]))
    assert result.exit_code == 2 and says.format(tmp=tmp_path) in result.stderr, result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())


def test_a_missing_onnx_package_prints_the_install_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = invoke(TINY, "-o", tmp_path / "net.onnx")
    assert result.exit_code == 2 and "pip install 'resgraph[onnx]'" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_spec_error_exits_1(tmp_path):
    bad = tmp_path / "bad.rg"
    bad.write_text("model bad {\n    input x[3, 8, 8]\n    out = x -> conv(4, 3, 2) -> add(x)\n}\n")
    result = invoke(bad, "-o", tmp_path / "net.onnx")
    assert result.exit_code == 1 and "add() operands have different shapes" in result.stderr
