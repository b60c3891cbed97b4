"""Parameter and MAC counts against hand counts, torch's FlopCounterMode and torchvision's figures."""

import pytest
import torch
from tests.tools.analysis.nets import tiny_densenet, tiny_resnet
from torch.utils.flop_counter import FlopCounterMode

from resgraph.backend.fx import build_module
from resgraph.tools.analysis import layer_costs, summarize
from resgraph.tools.analysis.cost import cost_totals

# Hand counts for tiny_resnet: every map is 4x8x8 = 256 elements after the stem.
TINY_RESNET_MACS = {
    "conv1": 256 * 3 * 9,  # output elements x input channels x 3x3
    "bn1": 256,  # one multiply-add per element (scale and shift)
    "relu": 0,
    "layer1.0.conv1": 256 * 4 * 9,
    "layer1.0.bn1": 256,
    "layer1.0.relu": 0,
    "layer1.0.conv2": 256 * 4 * 9,
    "layer1.0.bn2": 256,
    "layer1.0.add": 256,  # one addition per element per extra operand
    "layer1.0.relu_1": 0,
    "pool": 256,  # one addition per input element
    "flatten": 0,
    "fc": 4 * 10,
}
TINY_RESNET_PARAMS = {"conv1": 4 * 3 * 9, "layer1.0.conv1": 4 * 4 * 9, "layer1.0.conv2": 4 * 4 * 9,
                      "bn1": 8, "layer1.0.bn1": 8, "layer1.0.bn2": 8, "fc": 4 * 10 + 10}


def test_per_layer_macs_and_params_equal_hand_count():
    costs = {c.name: c for c in layer_costs(tiny_resnet())}
    assert {n: c.macs for n, c in costs.items() if n != "x"} == TINY_RESNET_MACS
    assert {n: c.params for n, c in costs.items() if c.params} == TINY_RESNET_PARAMS
    totals = cost_totals(list(costs.values()))
    assert totals.weighted_macs == 6912 + 2 * 9216 + 40
    assert totals.other_macs == 4 * 256 + 256


@pytest.mark.parametrize("make", [tiny_resnet, tiny_densenet])
def test_params_equal_compiled_module(make):
    graph = make()
    module = build_module(graph, seed=0)
    assert summarize(graph).totals.params == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("make", [tiny_resnet, tiny_densenet])
def test_conv_linear_macs_equal_torch_flop_counter_per_layer(make):
    """torch's FlopCounterMode counts 2 FLOPs per MAC of conv and matmul, per module."""
    graph = make()
    module = build_module(graph, seed=0)
    t = graph.type_of(graph.inputs[0])
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(torch.zeros(2, *t.dims()))
    # keys are "<ModuleClass>.<submodule path>"; the layers' paths are the IR node names, and each
    # block module (a scope) counts what the layers under it count
    per_module = {k.split(".", 1)[1]: sum(v.values()) for k, v in counter.get_flop_counts().items() if "." in k}
    weighted = {c.name: 2 * 2 * c.macs for c in layer_costs(graph) if c.weighted}  # batch 2, 2 FLOPs/MAC
    assert {k: v for k, v in per_module.items() if k not in graph.scopes} == weighted
    for scope in graph.scopes:
        assert per_module.get(scope, 0) == sum(v for k, v in weighted.items() if k.startswith(scope + "."))


def test_depth_folds_block_instances():
    rows = {r.name: r for r in summarize(tiny_resnet(), depth=1).rows}
    assert list(rows) == ["x", "conv1", "bn1", "relu", "layer1", "pool", "flatten", "fc"]
    layer1 = rows["layer1"]
    assert layer1.layers == 7 and layer1.op == "repeat"
    assert layer1.params == 2 * 144 + 2 * 8
    assert layer1.macs == 2 * 9216 + 3 * 256
    assert layer1.connected_to == ["relu"]
    assert layer1.shape == "[1, 4, 8, 8]"


def test_connected_to_lists_merge_operands_only():
    rows = {r.name: r for r in summarize(tiny_densenet()).rows}
    assert rows["block.out"].connected_to == ["conv0", "block.layer1.conv", "block.layer2.conv"]
    assert rows["block.cat2"].connected_to == ["conv0", "block.layer1.conv"]
    assert rows["block.layer2.conv"].connected_to == []


def test_batch_size_scales_macs_and_activations_not_params():
    one, four = summarize(tiny_resnet()), summarize(tiny_resnet(), batch_size=4)
    assert four.totals.params == one.totals.params
    assert [r.macs * 4 for r in one.rows] == [r.macs for r in four.rows]
    assert [r.activation_bytes * 4 for r in one.rows] == [r.activation_bytes for r in four.rows]
    assert four.rows[1].shape == "[4, 4, 8, 8]"
