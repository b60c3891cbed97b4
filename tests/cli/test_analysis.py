"""The three commands end to end on a small .rg file: output formats, folding, errors."""

import csv
import io
import json
import sys

import pytest
from typer.testing import CliRunner

from resgraph.cli import app

SPEC = """
block basic(c: int) {
    f = in -> conv1: conv(c, 3, bias=false) -> bn1: bn -> relu -> conv2: conv(c, 3, bias=false) -> bn2: bn
    out = add(f, in) -> relu
}
model net(num_classes: int = 10) {
    input x[3, 8, 8]
    out = x -> conv1: conv(4, 3, bias=false) -> bn1: bn -> relu -> layer1: basic(4) * 2
            -> adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
"""


@pytest.fixture()
def spec(tmp_path):
    path = tmp_path / "net.rg"
    path.write_text(SPEC)
    return str(path)


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_summary_json_totals_and_merge_inputs(spec):
    result = run("summary", spec, "--json", "-p", "num_classes=5", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # stem 108 + bn 8, two blocks of 2 x (144 + 8), fc 4 x 5 + 5
    assert data["totals"]["params"] == 116 + 2 * 304 + 25
    # batch 2 x (stem 6912 + 4 x 9216 + fc 20)
    assert data["totals"]["conv_linear_macs"] == 2 * (6912 + 4 * 9216 + 20)
    adds = [r for r in data["rows"] if r["op"] == "add"]
    assert [r["connected_to"] for r in adds] == [["layer1.0.bn2", "relu"], ["layer1.1.bn2", "layer1.0.out"]]


def test_summary_depth_and_csv(spec):
    result = run("summary", spec, "--csv", "--depth", "1")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    layer1 = next(r for r in rows if r["name"] == "layer1")
    assert (layer1["params"], layer1["layers"]) == ("608", "14")
    assert not any(r["name"].startswith("layer1.") for r in rows)


def test_summary_table_has_totals(spec):
    result = run("summary", spec)
    assert result.exit_code == 0, result.output
    assert "total" in result.output and "MACs, conv + linear" in result.output


def test_analyze_json_exact_paths(spec):
    result = run("analyze", spec, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # stem + fc, and each of two blocks: skip or two convs
    assert data["distribution"] == {"2": 1, "4": 2, "6": 1}
    assert data["paths"] == 4 and data["add_edges"] == 4
    assert {d["name"]: d["to_output"] for d in data["layers"]}["conv1"] == 1


def test_analyze_gradients_plot(spec, tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs the plot extra")
    out = tmp_path / "g.png"
    result = run("analyze", spec, "--plot", str(out), "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "‖dL/dW‖" in result.output


def test_plot_without_matplotlib_is_refused_before_any_work(spec, tmp_path, monkeypatch):
    """The `plot` extra is optional: without it, a one-line install hint and exit 2, not a traceback
    after the gradient pass."""
    import resgraph.tools.analysis.gradients as gradients

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    monkeypatch.setattr(gradients, "gradient_norms", lambda *a, **k: pytest.fail("computed before refusing"))
    out = tmp_path / "g.png"
    result = run("analyze", spec, "--plot", str(out))
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        "error: --plot needs matplotlib, which is not installed",
        "help: pip install 'resgraph[plot]', or leave out --plot",
    ]
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing/g.png", "."])
def test_plot_to_a_missing_folder_or_a_directory_is_refused_before_any_work(spec, tmp_path, monkeypatch, where):
    """matplotlib would raise after the gradient pass (missing folder) or write `DIR.png` (directory)."""
    import types

    import resgraph.tools.analysis.gradients as gradients

    monkeypatch.setitem(sys.modules, "matplotlib", types.ModuleType("matplotlib"))  # installed or not
    monkeypatch.setattr(gradients, "gradient_norms", lambda *a, **k: pytest.fail("computed before refusing"))
    monkeypatch.chdir(tmp_path)
    result = run("analyze", spec, "--plot", where)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: cannot write the plot to '{where}'")
    assert "--plot" in result.output and list(tmp_path.iterdir()) == [tmp_path / "net.rg"]


def test_compare_json(spec):
    result = run("compare", spec, spec, "--no-gradients", "--json", "-p", "num_classes=3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["net", "net#2"]
    assert data["net"]["params"] == 116 + 2 * 304 + 15 and data["net"]["paths"] == 4


def test_unknown_input_size_is_a_usage_error(tmp_path):
    path = tmp_path / "open.rg"
    path.write_text(SPEC.replace("x[3, 8, 8]", "x[3, _, _]").replace("-> adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)", ""))
    summary = run("summary", str(path))  # parameters need no size; MACs and memory do
    assert summary.exit_code == 0 and "?" in summary.output and "--input-shape" in summary.output
    result = run("compare", str(path), str(path), "--no-gradients")
    assert result.exit_code == 2 and "--input-shape" in result.output
    assert run("compare", str(path), str(path), "--no-gradients", "--input-shape", "3,8,8").exit_code == 0


def test_compare_needs_two_models(spec):
    assert run("compare", spec).exit_code == 2
