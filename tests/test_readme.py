"""README's specs are real: each one checks, compiles, runs and is in `resgraph fmt`'s layout."""

import re
from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.syntax.fmt import format_text

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SPECS = re.findall(r"```rg\n(.*?)```", README, re.S)


def test_readme_has_specs():
    assert len(SPECS) >= 2  # the residual network on top and the gate/ConvNeXt one below it


@pytest.mark.parametrize("text", SPECS, ids=[re.search(r"model (\w+)", t).group(1) for t in SPECS])
def test_readme_spec_checks_compiles_and_is_formatted(text):
    graph = resgraph.loads(text)
    assert not graph.warnings
    model = resgraph.compile(graph, seed=0).eval()
    x = torch.randn(2, *graph.type_of(graph.inputs[0]).dims())
    assert model(x).shape == (2, *graph.type_of(graph.output).dims())
    assert format_text(text) == text
