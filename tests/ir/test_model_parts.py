"""The head, classifier and feature stages of a graph (timm's model API), by convention and by option:
the convention holds on every zoo classification family and agrees with timm's own models."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import resgraph
from resgraph import zoo
from resgraph.errors import NameError_, ResgraphError, TypeError_, UsageError
from resgraph.ir.model_parts import checkpoint_units, model_parts
from tests.zoo.test_models import EXPECTED_PARAMS

TIMM = json.loads((Path(__file__).parents[1] / "fixtures" / "timm_model_api.json").read_text())
# timm names a fused norm-and-activation module (BatchNormAct2d) where torchvision's layout, which
# the zoo follows, has a separate relu after the norm; the stage's tensor is the same one.
TIMM_FUSED = {"resnet50": {"act1": "relu"}, "densenet121": {"features.norm0": "features.relu0",
                                                             "features.norm5": "relu"}}


@cache
def graph(name: str) -> resgraph.Graph:
    return resgraph.load(name)


def smallest(family: str) -> str:
    names = [n for n in zoo.model_names() if zoo.family(n) == family]
    return min(names, key=lambda n: (EXPECTED_PARAMS[n], n))


CLASSIFIERS = [f for f in zoo.FAMILIES if f != "fcn"]


@pytest.mark.parametrize("family", CLASSIFIERS)
def test_the_convention_finds_every_zoo_classifiers_parts(family):
    g = graph(smallest(family))
    parts = model_parts(g)
    entry = parts.head[0]
    assert g.inputs_of(entry) == [parts.features]
    assert g.type_of(entry).scale is None and g.type_of(parts.features).scale is not None  # the global pool
    assert g.output in parts.head
    weighted = [n for n in parts.head if g.opdef(n).weighted]
    assert parts.classifier == weighted[-1] and g.inputs_of(parts.classifier) == [parts.pre_logits]
    assert parts.num_classes == g.type_of(g.output).channels == g.type_of(parts.classifier).channels
    assert parts.num_features == g.type_of(parts.features).channels
    reductions = [s.reduction for s in parts.stages]
    assert len(reductions) >= 3 and reductions == sorted(set(reductions))  # one stage per reduction
    assert parts.stages[-1].value == parts.features  # the last stage is what forward_features gives
    for stage in parts.stages:
        t = g.type_of(stage.value)
        assert (stage.channels, (stage.reduction,) * 2) == (t.channels, t.scale)
        assert stage.value == stage.module or stage.value.startswith(stage.module + ".")


def test_a_model_whose_output_follows_the_input_has_no_head():
    with pytest.raises(UsageError) as exc:
        model_parts(graph("fcn_resnet50"), "forward_features")
    assert exc.value.message.startswith("forward_features: model 'fcn_resnet50' has no classifier head")
    assert exc.value.span.path.endswith("fcn.rg") and 'option head = "<layer>"' in exc.value.diagnostics[0].hint


@pytest.mark.parametrize("name", sorted(TIMM["models"]))
def test_stages_features_and_classifier_are_timms(name):
    """Channels and reductions per stage, num_features and the classifier's name, as timm's models
    answer (fixture: tests/fixtures/make_timm_model_api_fixture.py); stage names too, for the ResNet
    and DenseNet whose layout timm shares with torchvision."""
    ref, parts = TIMM["models"][name], model_parts(graph(name))
    assert [(s.channels, s.reduction) for s in parts.stages] == [(f["num_chs"], f["reduction"]) for f in ref["feature_info"]]
    assert (parts.num_features, parts.num_classes, parts.classifier) == (ref["num_features"], ref["num_classes"],
                                                                         ref["classifier"])
    if name in TIMM_FUSED:
        renamed = [TIMM_FUSED[name].get(f["module"], f["module"]) for f in ref["feature_info"]]
        assert [s.module for s in parts.stages] == renamed


@pytest.mark.parametrize("name", ["resnet50", "densenet121"])
def test_against_timm_live(name):
    timm = pytest.importorskip("timm")
    import torch

    with torch.device("meta"):
        ref = timm.create_model(name, pretrained=False)
    parts = model_parts(graph(name))
    assert [(s.channels, s.reduction) for s in parts.stages] == [(f["num_chs"], f["reduction"]) for f in ref.feature_info]
    assert [TIMM_FUSED[name].get(f["module"], f["module"]) for f in ref.feature_info] == [s.module for s in parts.stages]
    assert (parts.num_features, parts.classifier) == (ref.num_features, ref.pretrained_cfg["classifier"])


def test_checkpoint_units_are_the_repeated_blocks_outermost():
    assert checkpoint_units(graph("resnet18")) == [f"layer{i}.{j}" for i in range(1, 5) for j in range(2)]
    dense = checkpoint_units(graph("densenet121"))  # the dense layers repeat inside repeated dense blocks
    assert dense == ["features.denseblock1", "features.transition1", "features.denseblock2", "features.transition2",
                     "features.denseblock3", "features.transition3", "features.denseblock4"]
    assert checkpoint_units(net()) == []


# -- the options ----------------------------------------------------------------------------------

NET = """model net(k: int = 10) {{
    input x[3, 16, 16]
{options}
    stem = x -> conv1: conv(8, 3, 2) -> bn: bn -> act: relu
    body = stem -> stage: [conv(16, 3, 2) -> relu]
    out = body -> pool: adaptive_avgpool(1) -> flatten -> drop: dropout(0.1) -> fc: linear(k)
}}
"""


def net(*options: str) -> resgraph.Graph:
    return resgraph.loads(NET.format(options="\n".join(f"    option {o}" for o in options)), path="net.rg")


def refused(*options: str, kind=ResgraphError) -> ResgraphError:
    with pytest.raises(kind) as exc:
        net(*options)
    return exc.value


def test_the_convention_on_a_small_net():
    parts = model_parts(net())
    assert (parts.features, parts.head, parts.classifier, parts.pre_logits) == (
        "stage.1", ("pool", "flatten", "drop", "fc"), "fc", "drop")
    assert [(s.module, s.channels, s.reduction) for s in parts.stages] == [("act", 8, 2), ("stage", 16, 4)]


def test_options_override_head_classifier_and_features():
    parts = model_parts(net('head = "flatten"', 'classifier = "fc"', 'features = ["bn", "stage.0", "stage"]'))
    assert (parts.features, parts.head, parts.num_features) == ("pool", ("flatten", "drop", "fc"), 16)
    assert [(s.module, s.value, s.channels, s.reduction) for s in parts.stages] == [
        ("bn", "bn", 8, 2), ("stage.0", "stage.0", 16, 4), ("stage", "stage.1", 16, 4)]
    assert model_parts(net('head = "stage"')).features == "act"  # a block: its one entry layer


@pytest.mark.parametrize("option, message, kind", [
    ('head = "pol"', "`option head` names 'pol', which is no layer or block of the model", TypeError_),
    ('head = 3', "`option head` names a layer or block, as a string; got 3", TypeError_),
    ('classifier = "act"', "`option classifier` names 'act', which is not in the head", TypeError_),
    ('classifier = "drop"', "the classifier 'drop' must be a weighted layer (linear, conv) or identity, not dropout",
     TypeError_),
    ('features = ["act", "fc"]', "feature stage 'fc' in `option features`: it is not before the head", TypeError_),
    ('features = ["x"]', "feature stage 'x' in `option features`: it is the model's input", TypeError_),
    ('features = ["nope"]', "feature stage 'nope' in `option features`: it is no layer or block of the model",
     TypeError_),
    ('features = "act"', "`option features` is a list of layer or block names", TypeError_),
    ('mean = [0.5, 0.5]', "`option mean` has 2 values, and the input has 3 channels", TypeError_),
    ('std = [0.2, 0.0, 0.2]', "`option std` must be a list of positive numbers", TypeError_),
    ('crop_pct = 1.5', "`option crop_pct` must be a number in (0, 1], got 1.5", TypeError_),
    ('interpolation = "bicubik"', "unknown interpolation 'bicubik' in `option interpolation`", NameError_),
])
def test_a_wrong_option_is_refused_at_check_time_where_it_is_set(option, message, kind):
    exc = refused(option, kind=kind)
    assert message in exc.message, exc.render()
    span = exc.diagnostics[0].span
    assert (span.path, span.line, span.col) == ("net.rg", 3, 12)


TWO_BRANCHES = """model two {{
    input x[3, 16, 16]
{option}
    a = x -> conv1: conv(8, 3, 2) -> p: adaptive_avgpool(1) -> fa: flatten
    b = x -> conv2: conv(8, 3, 2) -> q: adaptive_avgpool(1) -> fb: flatten
    out = s: add(a, b) -> fc: linear(10)
}}
"""


def test_a_head_must_read_one_value():
    with pytest.raises(TypeError_) as exc:
        resgraph.loads(TWO_BRANCHES.format(option='    option head = "p"'), path="net.rg")
    assert "the head beginning at 'p' reads 'conv1', and 's' in it also reads 'fb' from before it" in exc.value.message
    with pytest.raises(UsageError) as exc:  # by the convention: no one head, which is no error of the spec
        model_parts(resgraph.loads(TWO_BRANCHES.format(option="")))
    assert "the layers after the last map read more than one value (p, q)" in exc.value.message
    assert model_parts(resgraph.loads(TWO_BRANCHES.format(option='    option head = "fc"'))).features == "s"
