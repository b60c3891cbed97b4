"""The repetition index: `basic(c, 2 if i == 0 else 1) * n by i` makes a stage one repetition."""

import pytest

import resgraph
from resgraph.errors import ResgraphError
from resgraph.syntax.unparse import structural_diff

from .roundtrip import assert_round_trips

BLOCK = """
block basic(c: int, stride: int) {
    out = in -> conv(c, 3, stride=stride, padding=1) -> relu
}
"""


def stage(chain: str) -> str:
    return BLOCK + f"""
model m(n: int = 3) {{
    input x[3, 16, 16]
    out = x -> {chain}
}}
"""


def test_a_stage_is_one_repetition_named_as_before():
    g = assert_round_trips(stage("layer2: basic(8, 2 if i == 0 else 1) * n by i"))
    assert [s for s in g.scopes if s.startswith("layer2.")] == ["layer2.0", "layer2.1", "layer2.2"]
    assert g.scopes["layer2.0"].args == {"c": 8, "stride": 2}
    assert g.scopes["layer2.2"].args == {"c": 8, "stride": 1}
    assert g.type_of("layer2.2.conv").spatial == (8, 8)
    hand = resgraph.loads(stage("layer2: [basic(8, 2) -> basic(8, 1) -> basic(8, 1)]"))
    assert structural_diff(g, hand) == []


def test_the_index_reaches_groups_and_name_templates():
    g = assert_round_trips(stage("[c{k}: conv(4 * (k + 1), 1)] * 2 by k"))
    assert g.type_of("out").channels == 8 if "out" in g.nx else True
    assert {"c0", "c1"} <= {n.rpartition(".")[2] for n in g.nx}


@pytest.mark.parametrize("chain, message", [
    ("basic(8, 1) * n by n", "'n' is already bound here"),
    ("basic(8, 1) * 2 by i -> basic(8, i)", "undefined name 'i'"),
])
def test_index_errors_are_located(chain, message):
    with pytest.raises(ResgraphError) as e:
        resgraph.loads(stage(chain))
    out = e.value.render()
    assert message in out and "<string>:" in out and "help:" in out
