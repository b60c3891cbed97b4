"""The Python builder makes the same checked Graph as the language, with errors at the user's line."""

import pytest

from resgraph.errors import NameError_, ShapeError, TypeError_, UsageError
from resgraph.builder import Builder, block

from tests.builder_blocks import basic


def tiny_resnet():
    b = Builder("tiny")
    x = b.input(3, 32, 32)
    y = x.conv(16, 3, bias=False, name="conv1").bn(name="bn1").relu()
    y = basic(y, 16, name="layer1")
    y = basic(y, 32, 2, name="layer2")
    return b.build(y.adaptive_avgpool(1).flatten().linear(10, name="fc"))


def test_builder_graph_has_hierarchical_names_kinds_and_types():
    g = tiny_resnet()
    assert "layer2.downsample.0" in g and "layer2.conv1" in g
    assert g.scopes["layer2"].block == "basic" and g.scopes["layer2"].args == {"c": 32, "stride": 2}
    add = next(n for n in g if g.op(n) == "add" and n.startswith("layer2"))
    assert [g.nx.edges[u, add]["kind"] for u in g.inputs_of(add)] == ["add", "add"]
    assert str(g.type_of("layer2.relu_1")) == "[32, 16, 16]"
    assert g.type_of(g.output).channels == 10
    convs = 3 * 16 * 9 + 2 * (16 * 16 * 9) + 16 * 32 * 9 + 32 * 32 * 9 + 16 * 32
    bns = 2 * (16 + 16 + 16 + 32 + 32 + 32)
    assert g.param_count() == convs + bns + (32 * 10 + 10)


def test_dense_block_keeps_every_concat_edge():
    b = Builder("dense")
    x = b.input(3, 32, 32)
    feats = [x.conv(8, 3, name="stem")]
    for i in range(1, 5):
        with b.scope(f"layer{i}"):
            h = b.concat(*feats).bn().relu().conv(4, 3)
        feats.append(h)
    out = b.concat(*feats, name="out")
    g = b.build(out)
    assert g.type_of("out").channels == 8 + 4 * 4
    assert g.nx.in_degree("out") == 5
    assert {d["kind"] for _, _, d in g.nx.in_edges("out", data=True)} == {"concat"}


def test_shape_error_points_at_the_users_line():
    b = Builder("bad")
    x = b.input(3, 32, 32)
    y = x.conv(16, 3, stride=2)
    with pytest.raises(ShapeError) as exc:
        x.conv(16, 3).add(y)  # the offending line
    assert exc.value.span.path == __file__
    assert "x.conv(16, 3).add(y)  # the offending line" in str(exc.value)
    assert "downsampled 2x more" in str(exc.value)


def test_unknown_attribute_is_a_name_error_with_suggestion():
    b = Builder("bad")
    with pytest.raises(NameError_, match="did you mean 'stride'"):
        b.input(3, 8, 8).conv(4, 3, strid=2)


@pytest.mark.parametrize("make", [
    lambda: Builder(5), lambda: Builder(""), lambda: Builder("a b"), lambda: Builder("m", doc=5),
    lambda: Builder("m", options=5), lambda: Builder("m", options={1: "kaiming"}), lambda: block(5),
])
def test_wrong_typed_builder_arguments_are_usage_errors_at_the_users_line(make):
    with pytest.raises(UsageError) as exc:
        make()
    assert exc.value.span.path == __file__


def test_wrong_typed_layer_scope_and_build_arguments_are_usage_errors():
    b, other = Builder("m"), Builder("o")
    x = b.input(3, 8, 8)
    y = other.input(3, 8, 8)

    def enter(**kwargs):
        with b.scope("s", **kwargs):
            pass

    @block
    def blk(v, c):
        return v.conv(c, 3)

    for call in [lambda: b.op(5, x), lambda: enter(kind="nope"), lambda: enter(block=5), lambda: b.build(5),
                 lambda: b.build(y), lambda: blk(5, 4)]:
        with pytest.raises(UsageError) as exc:
            call()
        assert exc.value.span.path == __file__


def test_a_merge_without_operands_is_an_arity_error_not_an_index_error():
    b = Builder("m")
    b.input(3, 8, 8)
    with pytest.raises(TypeError_, match="add takes at least 2 input"):
        b.add()


def test_a_scope_is_located_at_the_users_with_statement():
    """A @contextmanager body runs under contextlib's frame: the span skips it, to the `with` line."""
    b = Builder("m")
    x = b.input(3, 8, 8)
    with b.scope("train"):  # a reserved name, reported at this line
        y = x.conv(4, 3)
    assert b.graph.scopes["train"].span.path == __file__
    with pytest.raises(NameError_, match="the name 'train' is a reserved attribute") as exc:
        b.build(y)
    assert "with b.scope(\"train\"):  # a reserved name" in str(exc.value)
