"""Blocks are modules, so tools that cut a model at module boundaries cut where torchvision does.

Without torchvision (CI): forward hooks on resgraph's block modules, and torch.fx's own way to cut
a model (trace with the wanted blocks as leaves), give the stage outputs torchvision gives, as
recorded in tests/fixtures/features.json by tests/fixtures/make_feature_fixtures.py (both models
filled by the shared formula). With torchvision (marked `torchvision`, skipped where it is absent):
its `create_feature_extractor`, `IntermediateLayerGetter` and FPN backbone on resgraph's modules.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import torch
from torch import fx

import resgraph
from tests.fixtures import formula

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "features.json").read_text())
STAGES = {name: list(nodes) for name, nodes in FIXTURE["models"].items()}
X = formula.example_input(FIXTURE["input"]["shape"])
TOLERANCE = 1e-4  # the fixture's values are rounded to 7 significant digits


@cache
def filled(name: str) -> fx.GraphModule:
    """resgraph's module with the formula's weights, eval mode; built on the meta device and filled."""
    with torch.device("meta"):
        module = resgraph.compile(name, input_shape=tuple(FIXTURE["input"]["shape"][1:]))
    return formula.fill(module.to_empty(device="cpu")).eval()


def assert_recorded(value: torch.Tensor, recorded: dict) -> None:
    assert list(value.shape) == recorded["shape"]
    flat = value.detach().double().flatten()
    assert flat.sum().item() == pytest.approx(recorded["sum"], rel=1e-5, abs=1e-3)
    assert flat.abs().sum().item() == pytest.approx(recorded["abs_sum"], rel=1e-5)
    want = torch.tensor(recorded["values"], dtype=torch.float64)
    assert (flat[recorded["indices"]] - want).abs().max().item() <= TOLERANCE


def test_fixture_was_written_with_this_formula():
    assert FIXTURE["formula_probe"] == [float(f"{v:.7g}") for v in formula.uniform("probe", 4).tolist()]


@pytest.mark.parametrize("name", STAGES)
def test_forward_hooks_on_block_modules_see_torchvisions_stage_outputs(name):
    module, seen = filled(name), {}
    handles = [module.get_submodule(node).register_forward_hook(
        lambda m, args, out, node=node: seen.setdefault(node, out)) for node in STAGES[name]]
    try:
        with torch.no_grad():
            module(X)
    finally:
        for handle in handles:
            handle.remove()
    assert list(seen) == STAGES[name]  # each fired once, in the order the stages run
    for node in STAGES[name]:
        assert_recorded(seen[node], FIXTURE["models"][name][node])


def fx_extractor(module: torch.nn.Module, nodes: list[str]) -> fx.GraphModule:
    """A model cut with torch.fx alone: traced with the wanted blocks as leaves, the graph returns
    their calls and drops what only the rest of the model needed."""
    class Tracer(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return qualname in nodes or super().is_leaf_module(m, qualname)

    graph = Tracer().trace(module)
    calls = {n.target: n for n in graph.nodes if n.op == "call_module" and n.target in nodes}
    graph.erase_node(next(n for n in graph.nodes if n.op == "output"))
    graph.output({node: calls[node] for node in nodes})
    extractor = fx.GraphModule(module, graph)
    extractor.graph.eliminate_dead_code()
    extractor.recompile()
    return extractor


@pytest.mark.parametrize("name", STAGES)
def test_a_torch_fx_extractor_cuts_at_the_block_modules(name):
    extractor = fx_extractor(filled(name), STAGES[name])
    called = [n.target for n in extractor.graph.nodes if n.op == "call_module"]
    assert called[-1] == STAGES[name][-1]  # nothing after the last stage runs
    with torch.no_grad():
        out = extractor(X)
    for node in STAGES[name]:
        assert_recorded(out[node], FIXTURE["models"][name][node])


def torchvision_pair(name: str):
    """torchvision's model and resgraph's, both filled by the formula, eval mode."""
    models = pytest.importorskip("torchvision.models")
    return formula.fill(getattr(models, name)(weights=None)).eval(), filled(name)


@pytest.mark.torchvision
@pytest.mark.parametrize("name", STAGES)
def test_create_feature_extractor_returns_torchvisions_tensors(name):
    ref, ours = torchvision_pair(name)
    from torchvision.models.feature_extraction import create_feature_extractor

    nodes = {node: node for node in STAGES[name]}
    with torch.no_grad():
        want, got = create_feature_extractor(ref, nodes)(X), create_feature_extractor(ours, nodes)(X)
    for node in nodes:
        assert torch.equal(got[node], want[node]), node


def test_running_the_children_in_order_gives_the_stage_outputs():
    """What IntermediateLayerGetter does (without torchvision): call the root's children one after
    the other. It needs every op of the root's graph to be a child: activations are modules."""
    module, x, seen = filled("resnet50"), X, {}
    with torch.no_grad():
        for name, child in module.named_children():
            if name == "fc":
                break
            x = seen[name] = child(x)
    calls = [n.target for n in module.graph.nodes if n.op not in ("placeholder", "output")]
    assert calls[:5] == ["conv1", "bn1", "relu", "maxpool", "layer1"]
    for node in STAGES["resnet50"]:
        assert_recorded(seen[node], FIXTURE["models"]["resnet50"][node])


@pytest.mark.torchvision
def test_intermediate_layer_getter_returns_torchvisions_tensors():
    ref, ours = torchvision_pair("resnet50")
    from torchvision.models._utils import IntermediateLayerGetter

    layers = {"layer2": "a", "layer4": "b"}
    with torch.no_grad():
        want, got = IntermediateLayerGetter(ref, layers)(X), IntermediateLayerGetter(ours, layers)(X)
    assert list(got) == ["a", "b"] and all(got[k].shape == want[k].shape for k in got)
    assert all(torch.equal(got[k], want[k]) for k in got)


@pytest.mark.torchvision
def test_backbone_with_fpn_takes_its_channels_from_feature_info():
    ref, ours = torchvision_pair("resnet50")
    from torchvision.models.detection.backbone_utils import BackboneWithFPN

    stages = {info["module"]: str(i) for i, info in enumerate(ours.feature_info) if info["module"].startswith("layer")}
    channels = [info["num_chs"] for info in ours.feature_info if info["module"] in stages]
    assert channels == [256, 512, 1024, 2048]
    fpns = []
    for backbone in (ref, ours):
        torch.manual_seed(0)
        fpns.append(BackboneWithFPN(backbone, stages, channels, 256).eval())
    with torch.no_grad():
        want, got = fpns[0](X), fpns[1](X)
    assert list(got) == list(want) and all(torch.equal(got[k], want[k]) for k in got)


@pytest.mark.torchvision
def test_fpn_backbone_returns_torchvisions_tensors():
    ref, ours = torchvision_pair("resnet50")
    from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor

    ours.inplanes = ref.inplanes  # torchvision's ResNet attribute the helper reads (2048)
    fpns = []
    for backbone in (ref, ours):
        torch.manual_seed(0)  # the FPN's own layers draw their weights
        fpns.append(_resnet_fpn_extractor(backbone, trainable_layers=3).eval())
    with torch.no_grad():
        want, got = fpns[0](X), fpns[1](X)
    assert list(got) == list(want) and all(got[k].shape == want[k].shape for k in got)
    assert all(torch.equal(got[k], want[k]) for k in got)
