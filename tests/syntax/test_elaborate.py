"""Elaboration: names, scopes, blocks, loops, merges and parameters, as docs/language.md promises."""

import pytest

import resgraph
from resgraph.errors import ImportError_, LimitError, NameError_, TypeError_, UsageError

RESNET = '''
block basic(c: int, stride: int = 1) {
    f = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(c, 3, bias=false) -> bn2: bn
    s = if stride != 1 or in.channels != c {
            in -> downsample: [conv(c, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}
model net(num_classes: int = 10, layers: list = [2, 2]) {
    """A two-stage residual net."""
    option init = "kaiming_fan_out"
    input x[3, 32, 32]
    stem = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu
    body = stem -> layer1: basic(16) * layers[0]
                -> layer2: [basic(32, 2) -> basic(32) * (layers[1] - 1)]
    out = body -> avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
'''


def test_hierarchical_names_follow_torchvision():
    g = resgraph.loads(RESNET)
    for name in ["conv1", "bn1", "stem", "layer1.0.conv1", "layer1.1.bn2", "layer2.0.downsample.0",
                 "layer2.0.downsample.1", "layer2.1.conv2", "fc"]:
        assert name in g, name
    assert "layer1.0.downsample.0" not in g  # stride 1, same channels: identity shortcut
    assert g.output == "fc" and g.inputs == ["x"]
    assert str(g.type_of("fc")) == "[10]"


def test_graph_metadata():
    g = resgraph.loads(RESNET, path="net.rg", num_classes=7)
    assert g.name == "net" and g.params == {"num_classes": 7, "layers": [2, 2]}
    assert g.options == {"init": "kaiming_fan_out"} and g.doc == "A two-stage residual net."
    assert g.source.path == "net.rg" and g.sources == [g.source]
    assert g.scopes["layer1"].kind == "repeat"
    assert g.scopes["layer2"].kind == "group"
    s = g.scopes["layer2.0"]
    assert (s.kind, s.block, s.args) == ("block", "basic", {"c": 32, "stride": 2})
    assert g.node("layer2.0.add")["operand_names"] == ["f", "s"]


def test_zero_repetitions_pass_through():
    g = resgraph.loads(RESNET, layers=[0, 1])
    assert "layer1.0.conv1" not in g and g.inputs_of("layer2.0.conv1") == ["stem"]


def test_same_spec_same_graph():
    a, b = resgraph.loads(RESNET), resgraph.loads(RESNET)
    assert list(a) == list(b) and a.edges() == b.edges()


def test_dense_block_concatenates_every_earlier_map():
    g = resgraph.loads('''
block dense_block(n: int, k: int) {
    for i in 1..=n {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: [bn -> relu -> conv(k, 3)]
    }
    out = concat(in, h{1..=n})
}
model d {
    input x[8, 16, 16]
    out = x -> block1: dense_block(4, 4)
}''')
    assert g.inputs_of("block1.out") == ["x", "block1.denselayer1.2", "block1.denselayer2.2",
                                          "block1.denselayer3.2", "block1.denselayer4.2"]
    assert g.type_of("block1.out").channels == 8 + 4 * 4
    assert g.node("block1.concat_2")["operand_names"] == ["in", "h1", "h2"]


def test_unnamed_layers_are_numbered_per_scope():
    g = resgraph.loads("model m { input x[3]\n out = x -> relu -> relu -> linear(2) }")
    assert list(g) == ["x", "relu", "relu_1", "out"]


def test_forward_reference_and_merge_in_chain():
    g = resgraph.loads('''model m {
    input x[4, 8, 8]
    out = y -> add(x) -> relu
    y = x -> conv(4, 3)
}''')
    assert g.inputs_of("add") == ["y", "x"] and g.output == "out"


def test_cycle_is_reported_with_its_path():
    with pytest.raises(resgraph.ResgraphError, match=r"cycle: .*a.*b"):
        resgraph.loads("model m {\n input x[4, 8, 8]\n a = b -> relu\n b = a -> relu\n out = add(x, b)\n}")


def test_unknown_parameter_suggests_the_right_one():
    with pytest.raises(NameError_, match="did you mean 'num_classes'"):
        resgraph.loads(RESNET, num_clases=3)


def test_wrong_parameter_type():
    with pytest.raises(TypeError_, match="expects int, got str"):
        resgraph.loads(RESNET, num_classes="ten")


def test_input_shape_override_and_unknown_sizes():
    g = resgraph.loads(RESNET, input_shape=(3, 64, 64))
    assert g.type_of("stem").spatial == (64, 64)
    g = resgraph.loads("model m { input x[3, _, _]\n out = x -> conv(8, 3, 2) -> adaptive_avgpool(1) }")
    assert g.type_of("conv").spatial == (None, None) and g.type_of("conv").scale == (2, 2)


def test_lets_ternary_and_functions():
    g = resgraph.loads('''model m(w: list = [3, 5, 7]) {
    let c = max(w) * 2 ** 2 // 4 if len(w) == 3 and not false else 0
    input x[c]
    out = x -> linear(c - 6 % 4)
}''')
    assert g.type_of("x").channels == 7 and g.type_of("out").channels == 5


def test_statement_if_and_for_over_a_list():
    g = resgraph.loads('''model m(deep: bool = true) {
    input x[3, 8, 8]
    for c in [4, 8] {
        b{c} = x -> conv(c, 1)
    }
    if deep { y = b8 -> relu } else { y = b4 }
    out = concat(b4, y)
}''')
    assert g.type_of("out").channels == 12 and "y" in g


def test_imports_relative_and_cycles(tmp_path):
    (tmp_path / "lib.rg").write_text("block pre() { out = in -> conv(8, 1) -> relu }\n")
    (tmp_path / "net.rg").write_text('import "lib.rg"\nmodel net { input x[3, 8, 8]\n out = x -> p: pre }\n')
    g = resgraph.load(tmp_path / "net.rg")
    assert "p.conv" in g and [s.path for s in g.sources] == [str(tmp_path / "net.rg"), str(tmp_path / "lib.rg")]
    (tmp_path / "a.rg").write_text('import "b.rg"\n')
    (tmp_path / "b.rg").write_text('import "a.rg"\nmodel b { input x[3]\n out = x }\n')
    with pytest.raises(ImportError_, match="import cycle: a.rg -> b.rg -> a.rg"):
        resgraph.load(tmp_path / "a.rg", model="b")


def test_model_selection(tmp_path):
    path = tmp_path / "two.rg"
    path.write_text("model a { input x[3]\n out = x -> linear(2) }\nmodel b { input x[3]\n out = x -> linear(4) }\n")
    with pytest.raises(UsageError, match="defines 2 models"):
        resgraph.load(path)
    assert resgraph.load(f"{path}:b").name == "b"
    assert resgraph.load(path, model="a").name == "a"
    with pytest.raises(NameError_, match="did you mean 'b'"):
        resgraph.load(path, model="bb")


@pytest.mark.parametrize("spec,match", [
    ("model m { input x[3]\n out = x -> relu * 1000000000 }", "more than the limit"),
    ("model m { input x[3]\n for i in 0..10**9 { y = x }\n out = x }", "range of 1000000000"),
    ("block b() { out = in -> b }\nmodel m { input x[3]\n out = x -> b }", "instantiates itself"),
    ("model m { input x[3, 8, 8]\n out = x -> conv(10**12) }", "less than or equal"),
    ("model m { input x[3]\n out = x -> linear(2**100000) }", "too large"),
    ("model m { input x[3]\n out = x -> [[relu * 1000] * 1000] * 1000 }", "layers, more than the limit"),
    ("model m { input x[3]\n for i in 0..100000 { for j in 0..100000 { let a = 1 } }\n out = x }", "steps"),
])
def test_limits_are_found_fast(spec, match):
    import time

    start = time.perf_counter()
    with pytest.raises((LimitError, TypeError_), match=match):
        resgraph.loads(spec)
    assert time.perf_counter() - start < 1.0
