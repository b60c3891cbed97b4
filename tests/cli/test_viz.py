"""`resgraph viz` from the command line: formats, depth, matrix, parameters and failures."""

from __future__ import annotations

import pytest
from tests.tools.viz.test_fold import tiny_densenet, tiny_resnet
from typer.testing import CliRunner

import resgraph.api
from resgraph.cli import app
from resgraph.tools import viz

runner = CliRunner()


@pytest.fixture
def loads(monkeypatch):
    """resgraph.load answering with hand-built graphs; records what it was asked for."""
    calls = []

    def fake_load(source, *, model=None, input_shape=None, **params):
        calls.append((str(source), model, params))
        return tiny_densenet() if "dense" in str(source) else tiny_resnet()

    monkeypatch.setattr(resgraph.api, "load", fake_load)
    return calls


def test_writes_the_format_its_output_name_says(tmp_path, loads):
    out = tmp_path / "net.mmd"
    result = runner.invoke(app, ["viz", "nets.rg:tiny", "-o", str(out), "-p", "num_classes=10", "--depth", "1"])
    assert result.exit_code == 0, result.output
    assert loads == [("nets.rg", "tiny", {"num_classes": 10})]
    text = out.read_text()
    assert "flowchart TD" in text and "basic(c=16, stride=1) × 3" in text


def test_depth_all_draws_every_layer(tmp_path, loads):
    out = tmp_path / "net.dot"
    assert runner.invoke(app, ["viz", "resnet", "-o", str(out), "--depth", "all"]).exit_code == 0
    assert "add · relu" in out.read_text() and "× 3" not in out.read_text()


def test_matrix_flag_with_and_without_a_block(tmp_path, loads):
    out = tmp_path / "m.html"
    assert runner.invoke(app, ["viz", "dense", "-o", str(out), "--matrix"]).exit_code == 0
    assert "denseblock1: dense_block" in out.read_text()
    result = runner.invoke(app, ["viz", "dense", "--matrix", "features.denseblock2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "denseblock2: dense_block" in out.read_text()


@pytest.mark.parametrize("args, message, code", [
    (["--depth", "0"], "--depth expects a number >= 1", 2),
    (["--matrix", "nope"], "no block or group called 'nope'", 2),
])
def test_bad_arguments_are_one_clear_error(tmp_path, loads, args, message, code):
    result = runner.invoke(app, ["viz", "dense", "-o", str(tmp_path / "x.svg"), *args])
    assert result.exit_code == code and message in result.output


def test_missing_graphviz_is_one_line_with_the_install_command(tmp_path, loads, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = runner.invoke(app, ["viz", "resnet", "-o", str(tmp_path / "net.png")])
    assert result.exit_code == 1
    assert "error: drawing .png needs Graphviz's `dot`" in result.output
    assert "apt-get install graphviz" in result.output


@pytest.mark.skipif(viz.find_dot() is None, reason="Graphviz is not installed")
def test_zoo_densenet121_draws_dense_edges(tmp_path):
    pytest.importorskip("resgraph.syntax.loader")
    out = tmp_path / "d.svg"
    result = runner.invoke(app, ["viz", "densenet121", "-o", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert "denselayer" in svg and "dense (concat)" in svg
