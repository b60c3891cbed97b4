"""`resgraph lsp` without pygls: the install hint and exit 2, never a traceback (the server itself
is tested in tests/tools/lsp/)."""

import importlib.util

from typer.testing import CliRunner

from resgraph.cli import app


def test_without_pygls_the_command_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pygls" else real(name, *a))
    result = CliRunner().invoke(app, ["lsp", "--stdio"])
    assert result.exit_code == 2
    assert "resgraph lsp needs pygls" in result.output and "pip install 'resgraph[lsp]'" in result.output
    assert "Traceback" not in result.output
