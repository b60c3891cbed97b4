"""The shipped examples check, with the shapes their comments promise."""

from pathlib import Path

import resgraph

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_tiny_resnet():
    g = resgraph.load(EXAMPLES / "tiny_resnet.rg")
    assert str(g.type_of("layer2.1.out")) == "[32, 16, 16]" and str(g.type_of(g.output)) == "[10]"
    assert "layer2.0.downsample.0" in g and not g.warnings


def test_tiny_densenet():
    g = resgraph.load(EXAMPLES / "tiny_densenet.rg")
    assert g.type_of("features.denseblock1.out").channels == 24 + 4 * 12
    assert len(g.inputs_of("features.denseblock3.out")) == 5
    assert str(g.type_of(g.output)) == "[10]" and not g.warnings
