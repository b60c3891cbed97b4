"""`resgraph compile`: the report, -o, --save, -O, and exit codes 0 / 1 / 2."""

from pathlib import Path

import torch
from typer.testing import CliRunner

import resgraph
from resgraph.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["compile", *map(str, args)])


def test_report_names_the_model_its_size_and_output_shape():
    result = invoke(EXAMPLES / "tiny_resnet.rg", "-p", "num_classes=7", "--input-shape", "3,64,64", "--seed", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"compiled tiny_resnet from {EXAMPLES / 'tiny_resnet.rg'}"
    params = sum(p.numel() for p in resgraph.compile(EXAMPLES / "tiny_resnet.rg", num_classes=7).parameters())
    assert f"  parameters  {params:,}" in lines
    assert "  input       x [3, 64, 64]" in lines and "  output      [7]" in lines
    assert "  init        kaiming_fan_out, seed 3" in lines
    assert any(line.startswith("  time        ") for line in lines)


def test_output_file_and_saved_model(tmp_path):
    out, saved = tmp_path / "net.py", tmp_path / "saved"
    result = invoke("cifar_resnet20", "--seed", "0", "-o", out, "--save", saved)
    assert result.exit_code == 0, result.output
    assert "class CifarResnet20(nn.Module):" in out.read_text()
    loaded = resgraph.load_model(saved)
    reference = resgraph.compile("cifar_resnet20", seed=0)
    torch.testing.assert_close(loaded.state_dict(), reference.state_dict(), rtol=0, atol=0)


def test_optimization_level_with_explain(tmp_path):
    result = invoke(EXAMPLES / "tiny_densenet.rg", "-O1", "--explain", "--save", tmp_path / "saved")
    assert result.exit_code == 0, result.output
    assert "-O1" in result.stdout and "fold_bn" in result.stderr
    loaded = resgraph.load_model(tmp_path / "saved")  # the trainable level-0 module is what is saved
    assert loaded.meta["resgraph"]["opt_level"] == 0 and "features.norm5" in dict(loaded.named_modules())


def test_spec_errors_exit_1_with_diagnostics(tmp_path):
    bad = tmp_path / "bad.rg"
    bad.write_text("model bad {\n    input x[3, 8, 8]\n    out = x -> conv(4, 3, 2) -> add(x)\n}\n")
    result = invoke(bad)
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.stderr and "add() operands have different shapes" in result.stderr
    init = tmp_path / "init.rg"
    init.write_text('model init {\n    option init = "kaiming_fanin"\n    input x[3, 8, 8]\n    out = x -> conv(4, 3)\n}\n')
    result = invoke(init)
    assert result.exit_code == 1 and "did you mean 'kaiming_fan_in'?" in result.stderr


def test_usage_errors_exit_2():
    assert invoke(EXAMPLES / "nope.rg").exit_code == 2
    assert invoke(EXAMPLES / "tiny_resnet.rg", "-p", "num_classes").exit_code == 2
    assert invoke(EXAMPLES / "tiny_resnet.rg", "--input-shape", "three").exit_code == 2
    explain = invoke(EXAMPLES / "tiny_resnet.rg", "--explain")
    assert explain.exit_code == 2 and "add -O1" in explain.stderr
    assert invoke(EXAMPLES / "tiny_resnet.rg", "-O", "3").exit_code == 2


def test_precision_bf16_is_reported_by_explain_and_needs_an_opt_level(monkeypatch):
    monkeypatch.setenv("RESGRAPH_BF16", "force")  # the same report on a CPU without bf16 units
    result = invoke("cifar_resnet20", "-O1", "--precision", "bf16", "--explain")
    assert result.exit_code == 0, result.output
    assert "bf16: 1 change(s)" in result.output and "cast to bf16" in result.output
    result = invoke("cifar_resnet20", "--precision", "bf16")
    assert result.exit_code == 2 and "--precision bf16 is for inference modules; add -O1 or -O2" in result.output
    result = invoke("cifar_resnet20", "-O1", "--precision", "fp16")
    assert result.exit_code == 2 and "precision must be one of 'fp32', 'bf16'" in result.output
