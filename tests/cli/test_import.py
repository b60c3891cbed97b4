"""`resgraph import` from the command line, and `viz` / `summary` given a Python model: a user's
file (`path/to/file.py:make_model`), constructor parameters, the input size, and the failures."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph.cli import app
from resgraph.syntax.fmt import format_text
from resgraph.tools.importer.reference import is_reference

runner = CliRunner()

MODEL = textwrap.dedent('''
    import torch
    from torch import nn


    class Residual(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(c)

        def forward(self, x):
            return torch.relu(x + self.bn(self.conv(x)))


    class Net(nn.Module):
        def __init__(self, width=8, depth=3, num_classes=10):
            super().__init__()
            self.stem = nn.Conv2d(3, width, 3, padding=1)
            self.blocks = nn.Sequential(*[Residual(width) for _ in range(depth)])
            self.head = nn.Linear(width, num_classes)

        def forward(self, x):
            x = self.blocks(self.stem(x))
            return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


    def make_model(**kwargs):
        return Net(**kwargs)


    model = Net()
''')


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(MODEL)
    return path


def test_import_writes_a_formatted_spec_that_compiles(tmp_path, net):
    out = tmp_path / "net.rg"
    result = runner.invoke(app, ["import", f"{net}:make_model", "-o", str(out), "--input", "3,16,16",
                                 "-p", "width=4", "-p", "depth=2"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert format_text(text) == text
    assert "model make_model {" in text and "input x[3, 16, 16]" in text
    assert "-> blocks: residual * 2" in text and "conv(4, 3, bias=false)" in text
    assert f"wrote {out}: make_model," in result.output
    assert runner.invoke(app, ["fmt", "--check", str(out)]).exit_code == 0
    assert resgraph.load(out).param_count() == 3 * 4 * 9 + 4 + 2 * (4 * 4 * 9 + 8) + 4 * 10 + 10


def test_import_prints_without_o_and_takes_a_module_instance(net):
    result = runner.invoke(app, ["import", f"{net}:model", "--input", "3,8,8", "--name", "tiny"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('block residual() {\n    "net.Residual"') and "model tiny {" in result.output


@pytest.mark.parametrize("args, code, message", [
    (["import", "resnet50"], 2, "is not a Python reference"),
    (["import", "no_such_module_xyz:resnet50"], 2, "cannot import no_such_module_xyz"),
    (["import", "{net}:missing"], 2, "has no attribute 'missing'"),
    (["import", "{net}:make_model", "-p", "nope=1"], 2, "make_model(nope=1) failed: TypeError"),
    (["import", "{net}:model", "-p", "width=2"], 2, "is a module already"),
    (["import", "{net}:make_model", "--input", "4,8,8"], 1, "fails on the example input"),
])
def test_import_failures_are_diagnostics(net, args, code, message):
    result = runner.invoke(app, [a.replace("{net}", str(net)) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_viz_and_summary_import_a_python_model(tmp_path, net):
    out = tmp_path / "net.dot"
    result = runner.invoke(app, ["viz", f"{net}:make_model", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "skip (add)" in out.read_text()
    result = runner.invoke(app, ["summary", f"{net}:make_model", "--input-shape", "3,16,16", "-p", "depth=1"])
    assert result.exit_code == 0, result.output
    assert "blocks.0.conv" in result.output


@pytest.mark.parametrize("text, python", [
    ("torchvision.models:resnet50", True), ("timm:dpn68", True), ("path/to/file.py:make_model", True),
    ("resnet50", False), ("net.rg:tiny", False), ("examples/net.rg", False), ("net.rg", False),
    ("./net:model", False),
])
def test_what_counts_as_a_python_reference(text, python):
    assert is_reference(text) is python


@pytest.mark.torchvision
def test_viz_draws_timms_dpn68_with_its_add_and_concat_edges(tmp_path):
    pytest.importorskip("timm")
    out = tmp_path / "dpn68.dot"
    result = runner.invoke(app, ["viz", "timm:dpn68", "-o", str(out), "--depth", "all"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "skip (add)" in text and "dense (concat)" in text
