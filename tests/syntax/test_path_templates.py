"""Name templates with holes anywhere in a dotted path: timm's and torchvision's names in loops."""

import pytest

import resgraph
from resgraph.errors import ResgraphError

from .roundtrip import assert_round_trips

STAGES = """
model m {
    input x[3, 16, 16]
    h0 = x -> stem: conv(8, 3, padding=1)
    for i in 0..2 {
        h{i + 1} = h{i} -> stages.{i}.blocks.{0}: conv(8, 3, padding=1) -> stages.{i}.blocks.{1}: relu
    }
    for i in 1..=2 {
        for j in 1..=2 {
            f{i}_{j} = h2 -> features.conv{i}_{j}.c1x1_a: conv(4, 1)
        }
    }
    stages.{1}.tap = h2 -> relu
    out = stages.{1}.tap -> concat(f{1}_{1}, f2_2) -> features.conv{1 + 1}_x: conv(stages.{1}.tap.channels, 1)
}
"""


def test_holes_anywhere_in_a_dotted_path_name_layers():
    g = assert_round_trips(STAGES)
    for name in ("stages.0.blocks.0", "stages.1.blocks.1", "features.conv1_2.c1x1_a",
                 "features.conv2_2.c1x1_a", "stages.1.tap", "features.conv2_x"):
        assert name in g.nx, name
    assert g.inputs_of("stages.1.blocks.0") == ["stages.0.blocks.1"]
    assert g.scopes["stages.0"].kind == "group"


def test_a_template_path_reads_a_size():
    g = resgraph.loads(STAGES)
    assert g.type_of("features.conv2_x").channels == 8


def test_an_unbound_template_path_is_a_located_error():
    text = STAGES.replace("stages.{1}.tap -> concat", "stages.{2}.tap -> concat")
    with pytest.raises(ResgraphError) as e:
        resgraph.loads(text)
    out = e.value.render()
    assert "undefined name 'stages.2.tap'" in out and "help:" in out and "<string>:14:" in out
