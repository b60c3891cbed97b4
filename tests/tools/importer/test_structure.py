"""The importer recovers structure from hand-written models in the reference families' shapes:
blocks whose parameters are what differs between instances, optional parts as conditionals,
repetitions, loops, and the edge kinds of residual adds, dense concats and gates."""

from __future__ import annotations

import pytest
import torch

import resgraph
from tests.tools.importer.models import models
from tests.tools.importer.roundtrip import roundtrip

MODELS = models()


def imported(name: str) -> tuple[resgraph.Graph, str]:
    module, shape = MODELS[name]
    return roundtrip(module, torch.randn(2, *shape, generator=torch.Generator().manual_seed(0)), name=name)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip(name):
    imported(name)


def test_resnet_blocks_repetitions_and_the_optional_shortcut():
    _, text = imported("tiny_resnet")
    assert text == '''block basic_block(c: int, stride: int = 1, downsample: bool = false) {
    "tests.tools.importer.models.BasicBlock"
    h1 = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu
            -> conv2: conv(c, 3, bias=false) -> bn2: bn
    h2 = in -> if downsample { downsample: [conv(16, 1, 2, bias=false) -> bn] }
    out = add(h1, h2) -> relu
}

model tiny_resnet {
    """tests.tools.importer.models.TinyResNet, imported by resgraph import."""
    input x[3, 16, 16]
    out = x -> conv1: conv(8, 3, bias=false) -> bn1: bn -> relu
            -> layer1: basic_block(8) * 2
            -> layer2: [basic_block(16, 2, true) -> basic_block(16) * 2]
            -> avgpool: adaptive_avgpool -> flatten -> fc: linear(10)
}
'''


def test_dense_blocks_of_two_lengths_are_one_loop():
    graph, text = imported("tiny_densenet")
    assert "block dense_block(n: int) {" in text
    assert "for i in 1..=n {\n        h{i} = concat(in, h{1..i}) -> denselayer{i}: dense_layer\n    }" in text
    assert "-> block1: dense_block(4)" in text and "-> block2: dense_block(3)" in text
    # the entry concat of each layer left the layer for the block, so every layer is one block
    assert {s.block for p, s in graph.scopes.items() if p.startswith("features.block")} >= {"dense_block", "dense_layer"}
    kinds = {kind for _, dst, kind, _ in graph.edges() if graph.op(dst) == "concat"}
    assert kinds == {"concat"}


def test_the_gate_is_a_mul_edge_and_the_skip_an_optional_add():
    graph, text = imported("tiny_mobilenet")
    assert "out = mul(in, h1)" in text  # the SE gate
    assert "out = if use_add { add(in, h1) } else { h1 }" in text  # x + conv(x) where shapes agree
    assert "groups=c" in text  # the depthwise convolution's groups are its channels
    muls = [n for n in graph if graph.op(n) == "mul"]
    assert len(muls) == 3 and all(kind == "mul" for _, dst, kind, _ in graph.edges() if dst in muls)


def test_channels_last_mlp_and_layer_scale():
    """ConvNeXt's block permutes to channels last for its LayerNorm and MLP and multiplies by a
    parameter: a layernorm and linears over channels, and a layer_scale at the parameter's path."""
    graph, text = imported("tiny_convnext")
    assert "norm: layernorm -> fc1: linear(c2) -> act: gelu" in text
    assert "gamma: layer_scale -> add(in)" in text
    assert graph.op("stages.0.1.gamma") == "layer_scale"
    assert "stem: [conv(16, 4, 4) -> layernorm]" in text  # LayerNorm2d: permute, F.layer_norm, permute


def test_dual_path_slices_and_the_optional_projection():
    graph, text = imported("tiny_dpn")
    assert "if proj { proj: conv(" in text
    assert "slice(0, " in text
    concat = [n for n in graph if graph.op(n) == "concat"]
    assert concat and all(len(graph.inputs_of(n)) == 3 for n in concat)


def test_imported_graph_draws_with_its_edge_kinds():
    graph, _ = imported("tiny_densenet")
    dot = resgraph.to_dot(graph)
    assert "concat" in dot


def test_from_module_leaves_the_module_as_it_was():
    module, shape = MODELS["tiny_resnet"]
    module.train()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    resgraph.from_module(module, torch.randn(2, *shape))
    assert module.training
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())
    module.eval()
