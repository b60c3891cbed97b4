"""to_rg(graph): every graph prints as .rg text that loads back to the same graph."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resgraph
from resgraph import Builder, zoo
from resgraph.errors import GraphError, UsageError
from resgraph.syntax.unparse import structural_diff, to_rg
from tests.test_builder import tiny_resnet

ROOT = Path(__file__).resolve().parents[2]
ZOO_MODELS = [(path, name) for path in zoo.spec_files() for name in zoo.model_names()
              if zoo.find_model(name) == path]


def round_trip(g):
    text = to_rg(g)
    back = resgraph.loads(text)
    assert structural_diff(g, back) == [], text
    assert back.type_of(back.output) == g.type_of(g.output)
    assert back.nx.nodes[back.inputs[0]]["attrs"] == g.nx.nodes[g.inputs[0]]["attrs"]
    assert back.topo_order() == g.topo_order()
    return text, back


@pytest.mark.parametrize("path,name", ZOO_MODELS, ids=[n for _, n in ZOO_MODELS])
def test_every_zoo_model_prints_self_contained_with_its_blocks(path, name):
    g = resgraph.load(name)
    text, back = round_trip(g)
    assert "import" not in text and "block " in text  # blocks kept, nothing left to import
    assert back.name == name and back.params == g.params and back.doc == g.doc
    assert back.options == g.options


def test_parameter_values_used_become_the_defaults():
    g = resgraph.load("resnet18", num_classes=10, layers=[1, 1, 1, 1])
    text, back = round_trip(g)
    assert "num_classes: int = 10" in text and "layers: list = [1, 1, 1, 1]" in text
    assert back.params == g.params


def test_input_shape_override_is_printed():
    g = resgraph.load("cifar_resnet20", input_shape=(3, 64, 48))
    text, back = round_trip(g)
    assert "input x[3, 64, 48]" in text


def test_state_dict_keys_survive_the_round_trip():
    for g in (resgraph.load(ROOT / "examples" / "tiny_densenet.rg"), tiny_resnet(), dense_net()):
        _, back = round_trip(g)
        assert list(resgraph.compile(back).state_dict()) == list(resgraph.compile(g).state_dict())


def test_an_edited_graph_is_printed_flat_and_still_round_trips():
    g = resgraph.load(ROOT / "examples" / "tiny_resnet.rg")
    g.nx.nodes["fc"]["attrs"] = g.attrs("fc").model_copy(update={"out_features": 3})
    g.reset_types()
    g.infer(g.output)
    text, back = round_trip(g)
    assert not text.startswith("block") and "-> linear(3)\n    out = fc" in text


def test_builder_graph_prints_flat_with_paths_and_chains():
    text, back = round_trip(tiny_resnet())
    assert "layer2.downsample.0: conv(32, 1, 2, bias=false)" in text
    assert "add(layer1.add" not in text
    lines = [line for line in text.splitlines() if " = " in line]
    assert len(lines) < len(tiny_resnet()) / 2  # chains, not one line per layer
    assert back.name == "tiny"


def dense_net():
    b = Builder("dense", doc="A dense net built in Python.", options={"init": "kaiming_fan_in"})
    x = b.input(3, 16, 16)
    feats = [x.conv(8, 3, name="stem")]
    for i in range(1, 4):
        h = b.concat(*feats, name=f"stage.{i}.cat").bn(name=f"stage.{i}.norm").relu(name=f"stage.{i}.relu")
        feats.append(h.conv(4, 3, bias=False, name=f"stage.{i}.conv"))
    return b.build(b.concat(*feats, name="out").adaptive_avgpool(1).flatten().linear(10, name="fc"))


def test_builder_dense_net_keeps_every_concat_edge_and_its_doc():
    g = dense_net()
    text, back = round_trip(g)
    assert back.doc == g.doc and back.options == g.options
    assert back.scopes["stage.1"].kind == "group"  # dotted names make namespaces
    assert back.nx.in_degree("out") == 4


def test_output_not_named_out_and_a_layer_called_out():
    b = Builder("odd")
    x = b.input(4, name="v")
    y = x.linear(4, name="out").relu()
    g = b.build(y.linear(2, name="head").add(y.linear(2, name="side")))
    text, back = round_trip(g)
    assert back.output == g.output == "add"


def test_builder_refuses_names_that_rg_cannot_write():
    b = Builder("bad")
    x = b.input(3, 8, 8)
    for name in ("0", "if", "a-b", "a..b"):
        with pytest.raises(UsageError, match="cannot be a layer name"):
            x.conv(4, name=name)
    x.conv(4, name="a.b")
    with pytest.raises(GraphError, match="'a.b' is a layer"):
        x.conv(4, name="a.b.c")


# -- random graphs ------------------------------------------------------------------------------


@st.composite
def random_graphs(draw):
    """A random DAG of conv/bn/relu/add/concat with consistent shapes, built with the Builder."""
    b = Builder("random")
    values = [b.input(draw(st.integers(1, 4)), 8, 8)]
    for k in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from([None, f"n{k}", f"s{k % 3}.n{k}", f"s{k % 3}.{k}.x"]))
        kind = draw(st.sampled_from(["conv", "bn", "relu", "add", "concat"]))
        src = values[draw(st.integers(0, len(values) - 1))]
        if kind == "conv":
            v = src.conv(draw(st.integers(1, 6)), draw(st.sampled_from([1, 3])),
                         bias=draw(st.booleans()), name=name)
        elif kind == "bn":
            v = src.bn(momentum=draw(st.sampled_from([0.1, 0.01, None])), name=name)
        elif kind == "relu":
            v = src.relu(name=name)
        else:
            same = [u for u in values if u is not src and
                    (kind == "concat" or u.type == src.type)]
            others = draw(st.lists(st.sampled_from(same), unique_by=lambda u: u.name, max_size=3)) if same else []
            if kind == "add" and not others:
                continue
            v = getattr(b, kind)(src, *others, name=name)
        values.append(v)
    return b.build(values[-1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_builder_graphs_round_trip(g):
    round_trip(g)
