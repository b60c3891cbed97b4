"""timm's ResNet-D, ResNetV2 and SE-ResNet families in the zoo: their cost against fvcore's count,
and the examples built on their blocks are the same networks as the zoo's members.

Parameters, keys, outputs and the live comparison with timm are tests/test_architectures.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.cli.zoo_cmd import macs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# fvcore 0.1.5 FlopCountAnalysis(timm.create_model(name), 1x3x224x224): its "conv" + "linear"
# counts, recorded with timm 1.0.31. fvcore skips the SE gate's mean and mul, as resgraph's
# conv + linear figure does.
FVCORE_CONV_LINEAR = {
    "resnet50d": 4_328_824_832,
    "resnetv2_18": 1_814_073_344,
    "resnetv2_50": 4_089_184_256,
    "seresnet50": 4_091_699_200,
    "seresnext50_32x4d": 4_232_994_816,
}


@pytest.mark.parametrize("name", sorted(FVCORE_CONV_LINEAR))
def test_conv_linear_macs_are_fvcores(name):
    weighted, total = macs(resgraph.load(name))
    assert weighted == FVCORE_CONV_LINEAR[name]
    assert total > weighted  # batch norm, pooling, the sums and the SE gates come on top


def test_se_gate_is_a_mul_that_costs_one_mac_per_element():
    """Each block's gate is its own edge kind (not an add), and costs one multiply per element of
    the gated map: counted with the other ops, not with conv + linear."""
    g = resgraph.load("seresnet50")
    gates = [n for n in g.topo_order() if g.opdef(n).name == "mul"]
    assert len(gates) == 16 and "layer1.0.se.out" in gates
    assert {kind for _, dst, kind, _ in g.edges() if dst in gates} == {"mul"}
    assert sum(g.cost(n).macs for n in gates) == (
        256 * 56 * 56 * 3 + 512 * 28 * 28 * 4 + 1024 * 14 * 14 * 6 + 2048 * 7 * 7 * 3)


@pytest.mark.parametrize("example, member", [
    ("preact_resnet18", "resnetv2_18"), ("resnet50d", "resnet50d"), ("se_resnet50", "seresnet50"),
])
def test_example_is_the_zoo_member(example, member):
    """The examples write the model in a few lines on the zoo's blocks: the same network, node for
    node, and the same state_dict (keys and shapes in order)."""
    ours, zoo = resgraph.load(EXAMPLES / f"{example}.rg"), resgraph.load(member)
    assert ours.topo_order() == zoo.topo_order()
    assert [ours.opdef(n).name for n in ours.topo_order()] == [zoo.opdef(n).name for n in zoo.topo_order()]
    with torch.device("meta"):
        a, b = resgraph.compile(ours).state_dict(), resgraph.compile(zoo).state_dict()
    assert [(k, v.shape) for k, v in a.items()] == [(k, v.shape) for k, v in b.items()]

