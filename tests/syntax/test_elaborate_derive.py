"""Derived models (`model b = a(k=v)`) and dotted paths as names (`layer1.0.conv1 = ...`)."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph import zoo
from resgraph.cli import app
from resgraph.errors import NameError_, SyntaxError_, TypeError_
from resgraph.syntax.unparse import structural_diff

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def resnets(tmp_path):
    """A copy of the ResNet zoo files with ResNet-152 written as a derived model."""
    for name in ("resnet.rg", "resnet_blocks.rg"):
        (tmp_path / name).write_text((ROOT / "resgraph" / "zoo" / name).read_text())
    spec = tmp_path / "resnet.rg"
    spec.write_text(spec.read_text() + '''
model resnet152d = resnet50(layers=[3, 8, 36, 3])
    """ResNet-152 v1.5, derived: 60,192,808 parameters."""

model resnet10 = resnet152d(layers=[1, 1, 1, 1], num_classes=10) "A small one."
''')
    return spec


def test_derived_model_is_its_base_with_new_defaults(resnets):
    g = resgraph.load(resnets, model="resnet152d")
    assert g.name == "resnet152d" and g.doc == "ResNet-152 v1.5, derived: 60,192,808 parameters."
    assert g.params["layers"] == [3, 8, 36, 3] and g.param_count() == 60_192_808
    assert structural_diff(g, resgraph.load("resnet152")) == []


def test_derived_of_derived_and_caller_overrides(resnets):
    g = resgraph.load(f"{resnets}:resnet10", num_classes=7)
    assert g.name == "resnet10" and g.doc == "A small one."
    assert g.params == {**resgraph.load("resnet50").params, "layers": [1, 1, 1, 1], "num_classes": 7}
    with pytest.raises(NameError_, match="did you mean 'num_classes'") as exc:
        resgraph.load(resnets, model="resnet10", num_clases=3)
    assert "resnet10" in exc.value.message


def test_unknown_override_points_at_the_argument(tmp_path):
    spec = tmp_path / "m.rg"
    spec.write_text("model a(width: int = 4) {\n    input x[3]\n    out = x -> linear(width)\n}\n"
                    "model b = a(widht=8)\n")
    with pytest.raises(NameError_, match="did you mean 'width'") as exc:
        resgraph.load(spec, model="b")
    assert (exc.value.span.line, exc.value.span.col) == (5, 13)
    spec.write_text(spec.read_text().replace("widht=8", "width=true"))
    with pytest.raises(TypeError_, match="expects int, got bool"):
        resgraph.load(spec, model="b")


def test_base_must_exist_and_not_loop(tmp_path):
    with pytest.raises(NameError_, match="did you mean 'resnet50'"):
        resgraph.loads('import resnet\nmodel r = resnet5(num_classes=10)\n')
    with pytest.raises(NameError_, match="derives from itself"):
        resgraph.loads("model a = b(k=1)\nmodel b = a(k=2)\n", model="a")
    with pytest.raises(SyntaxError_, match="by name"):
        resgraph.loads("import resnet\nmodel r = resnet50(10)\n")


def test_zoo_index_and_check_see_derived_models(resnets, monkeypatch):
    monkeypatch.setattr(zoo, "ZOO_DIR", resnets.parent)
    zoo._index.cache_clear()
    try:
        assert zoo.find_model("resnet152d") == resnets and "resnet10" in zoo.model_names()
        assert resgraph.load("resnet10").name == "resnet10"
    finally:
        zoo._index.cache_clear()
    result = CliRunner().invoke(app, ["check", f"{resnets}:resnet152d"])
    assert result.exit_code == 0 and "60,192,808 params" in result.output


def test_derived_model_prints_as_its_base_body_under_its_own_name(resnets):
    g = resgraph.load(resnets, model="resnet10")
    back = resgraph.loads(resgraph.to_rg(g))
    assert back.name == "resnet10" and back.params == g.params and structural_diff(g, back) == []


DOTTED = """
model m {
    input x[3, 8, 8]
    layer1.0.conv1 = x -> conv(8, 3, bias=false)
    layer1.0.out = layer1.0.conv1 -> layer1.0.bn: bn -> relu
    let c = layer1.0.out.channels * 2
    head.0 = concat(layer1.0.conv1, layer1.0.out) -> conv(c, 1)
    out = add(head.0, head.0.skip) -> relu
    head.0.skip = layer1.0.out -> conv(layer1.0.out.channels * 2, 1)
}
"""


def test_dotted_paths_name_layers_and_make_namespaces():
    g = resgraph.loads(DOTTED.replace("    head.0.skip", "    head.skip").replace("head.0.skip)", "head.skip)"))
    assert {"layer1.0.conv1", "layer1.0.bn", "layer1.0.out", "head.0", "head.skip"} <= set(g)
    assert g.scopes["layer1"].kind == g.scopes["layer1.0"].kind == "group"
    assert g.type_of("head.0").channels == 16
    assert g.inputs_of("concat") == ["layer1.0.conv1", "layer1.0.out"]  # unnamed: named after its op
    keys = list(resgraph.compile(g).state_dict())
    assert "layer1.0.conv1.weight" in keys and "layer1.0.bn.running_mean" in keys


def test_a_layer_cannot_also_be_a_namespace():
    with pytest.raises(NameError_, match="'head.0' is a layer, so 'head.0.skip' cannot live inside it"):
        resgraph.loads(DOTTED)


def test_a_path_in_an_expression_reads_a_size_and_a_layer_is_not_a_number():
    with pytest.raises(TypeError_, match="'layer1.0.out' is a layer, not a number") as exc:
        resgraph.loads(DOTTED.replace("layer1.0.out.channels * 2\n", "layer1.0.out * 2\n"))
    assert "layer1.0.out.channels" in str(exc.value)
    with pytest.raises(NameError_, match="has no size '.chanels'"):
        resgraph.loads(DOTTED.replace("layer1.0.out.channels * 2\n", "layer1.0.out.chanels\n"))
