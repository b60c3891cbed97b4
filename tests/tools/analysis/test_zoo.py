"""The shipped specs against published figures and closed-form path counts.

References: torchvision's published parameter counts and GMACs (conv + linear at 224x224, recorded
in tests/fixtures/torchvision_state_dicts.json), and hand-derived path polynomials: a residual
block is "skip or both convs", (1 + x^2); a dense block of n bottleneck layers lets a path visit
any subset of its layers in order, (1 + x^2)^n.
"""

import json
from math import comb
from pathlib import Path

import pytest
import torch
from tests.tools.analysis.test_memory import measured_inference_peak, measured_training_saved

import resgraph
from resgraph.backend.flatten import flatten
from resgraph.backend.fx import build_module
from resgraph.tools.analysis import inference_peak, path_stats, summarize, training_saved
from resgraph.tools.analysis.gradients import gradient_norms, spread

FIXTURE = json.loads((Path(__file__).parents[2] / "fixtures" / "torchvision_state_dicts.json").read_text())["models"]


def zoo(name: str, **params):
    pytest.importorskip("resgraph.syntax.loader", reason="the .rg front end has not landed")
    if resgraph.zoo.find_model(name) is None:
        pytest.skip(f"zoo spec {name} has not landed")
    return resgraph.load(name, **params)


@pytest.mark.parametrize("name", ["resnet50", "densenet121"])
def test_conv_linear_macs_and_params_equal_torchvision(name):
    s = summarize(zoo(name))
    published = FIXTURE[name]
    assert s.totals.params == published["num_params"]
    assert round(s.totals.weighted_macs / 1e9, 3) == published["published_gmacs"]  # 4.089, 2.834


@pytest.mark.parametrize("name", ["cifar_resnet20", "densenet_bc_100_k12"])
def test_params_equal_compiled_module(name):
    graph = zoo(name)
    assert summarize(graph).totals.params == sum(p.numel() for p in build_module(graph).parameters())


def _binomial(offset: int, n: int) -> dict[int, int]:
    """x^offset (1 + x^2)^n as {length: count}."""
    return {offset + 2 * k: comb(n, k) for k in range(n + 1)}


def test_cifar_resnet110_paths_are_binomial():
    p = path_stats(zoo("cifar_resnet110"))
    assert p.distribution == _binomial(2, 54)  # stem conv + fc, 54 blocks of skip-or-two-convs
    assert p.paths == 2**54 and p.mean_length == 56 and p.mode_length == 56
    assert (p.shortest, p.longest, p.max_to_output) == (2, 110, 2)
    assert (p.add_edges, p.concat_edges) == (2 * 54, 0)


def test_densenet_bc_100_paths_are_binomial():
    p = path_stats(zoo("densenet_bc_100_k12"))
    assert p.distribution == _binomial(4, 48)  # stem, 2 transitions, fc; 3 blocks of 16 layers
    assert p.paths == 2**48 and p.mean_length == 52 and p.mode_length == 52
    assert (p.shortest, p.longest, p.max_to_output) == (4, 100, 4)
    assert p.add_edges == 0


def test_plain56_has_one_path_and_a_55_layer_gradient_route():
    p = path_stats(zoo("cifar_plain56"))
    assert p.distribution == {56: 1} and p.max_to_output == 55


@pytest.mark.parametrize("name", ["cifar_resnet20", "densenet_bc_100_k12"])
def test_static_memory_within_10_percent_of_measured(name):
    graph = zoo(name)
    module = build_module(graph, seed=0)
    x = torch.randn(2, 3, 32, 32)
    assert inference_peak(graph, 2).bytes == pytest.approx(measured_inference_peak(flatten(module), x), rel=0.10)
    assert training_saved(graph, 2).bytes == pytest.approx(measured_training_saved(module, x), rel=0.10)


def test_plain_net_gradients_spread_far_more_than_residual_and_dense():
    """At initialization (batch norm in training mode) plain-56's gradients grow toward the input
    by three orders of magnitude; the skip and dense edges keep them within about two."""
    grads = {name: gradient_norms(zoo(name), batch_size=2)
             for name in ("cifar_plain56", "cifar_resnet56", "densenet_bc_100_k12")}
    plain, res, dense = (spread(g) for g in grads.values())
    assert plain > 1000 and res < 100 and dense < 100
    convs = [g for g in grads["cifar_plain56"] if g.name != "fc"]
    assert convs[0].norm > 1000 * convs[-1].norm  # exploding toward the input, not vanishing
