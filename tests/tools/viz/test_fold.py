"""Folding the IR into a picture: depth, runs of identical blocks, compact chains, clusters."""

from __future__ import annotations

import pytest

from resgraph.errors import UsageError
from resgraph.ir import Graph, Scope, ops
from resgraph.ir.verify import check
from resgraph.tools.viz.fold import build_view, max_depth


class Net:
    """Builds small checked graphs by hand, the way the front end would (no .rg needed)."""

    def __init__(self, name: str, shape=(3, 32, 32)):
        self.g = Graph(name)
        self.g.add_node("x", "input", ops.get("input").bind([shape], {}))

    def op(self, name: str, op: str, inputs: list[str], *args, **kwargs) -> str:
        return self.g.add_node(name, op, ops.get(op).bind(list(args), kwargs), inputs)

    def block(self, path: str, block: str, **args) -> None:
        self.g.scopes[path] = Scope(path, "block", block=block, args=args)

    def group(self, path: str, kind: str = "group") -> None:
        self.g.scopes[path] = Scope(path, kind)

    def basic(self, path: str, src: str, c: int, stride: int = 1) -> str:
        """He et al.'s basic block: two 3x3 convs and the skip edge (projected when the shape changes)."""
        self.block(path, "basic", c=c, stride=stride)
        p = path + "."
        self.op(p + "conv1", "conv", [src], c, 3, stride, bias=False)
        self.op(p + "bn1", "bn", [p + "conv1"])
        self.op(p + "relu", "relu", [p + "bn1"])
        self.op(p + "conv2", "conv", [p + "relu"], c, 3, bias=False)
        self.op(p + "bn2", "bn", [p + "conv2"])
        skip = src
        if stride != 1 or self.g.infer(src).channels != c:
            self.group(p + "downsample")
            self.op(p + "downsample.0", "conv", [src], c, 1, stride, bias=False)
            self.op(p + "downsample.1", "bn", [p + "downsample.0"])
            skip = p + "downsample.1"
        self.op(p + "add", "add", [p + "bn2", skip])
        return self.op(p + "relu_1", "relu", [p + "add"])

    def dense_layer(self, path: str, src: str, k: int) -> str:
        self.block(path, "dense_layer", k=k)
        p = path + "."
        self.op(p + "norm1", "bn", [src])
        self.op(p + "relu1", "relu", [p + "norm1"])
        self.op(p + "conv1", "conv", [p + "relu1"], 4 * k, 1, bias=False)
        self.op(p + "norm2", "bn", [p + "conv1"])
        self.op(p + "relu2", "relu", [p + "norm2"])
        return self.op(p + "conv2", "conv", [p + "relu2"], k, 3, bias=False)

    def dense_block(self, path: str, src: str, n: int, k: int) -> str:
        """DenseNet's block: layer i reads the concat of the block input and every earlier layer."""
        self.block(path, "dense_block", n=n, k=k)
        p = path + "."
        feats = [src]
        for i in range(1, n + 1):
            cat = self.op(f"{p}concat_{i}", "concat", feats) if i > 1 else src
            feats.append(self.dense_layer(f"{p}denselayer{i}", cat, k))
        return self.op(p + "out", "concat", feats)

    def done(self, out: str) -> Graph:
        self.g.set_output(out)
        check(self.g)
        return self.g


def tiny_resnet(blocks: int = 3) -> Graph:
    """stem, layer1 = basic(16) * blocks, layer2 = [basic(32, 2) -> basic(32)], classifier."""
    n = Net("tiny_resnet")
    n.op("conv1", "conv", ["x"], 16, 3, bias=False)
    n.op("bn1", "bn", ["conv1"])
    h = n.op("relu", "relu", ["bn1"])
    n.group("layer1", "repeat")
    for i in range(blocks):
        h = n.basic(f"layer1.{i}", h, 16)
    n.group("layer2")
    h = n.basic("layer2.0", h, 32, 2)
    h = n.basic("layer2.1", h, 32)
    n.op("pool", "adaptive_avgpool", [h], 1)
    n.op("flatten", "flatten", ["pool"])
    return n.done(n.op("fc", "linear", ["flatten"], 10))


def tiny_densenet(n_layers: int = 4, k: int = 8) -> Graph:
    """stem, one dense block of n_layers, a transition, a second dense block, classifier."""
    n = Net("tiny_densenet")
    n.group("features")
    n.op("features.conv0", "conv", ["x"], 16, 3, bias=False)
    h = n.op("features.relu0", "relu", ["features.conv0"])
    h = n.dense_block("features.denseblock1", h, n_layers, k)
    n.block("features.transition1", "transition", c=16)
    n.op("features.transition1.norm", "bn", [h])
    n.op("features.transition1.conv", "conv", ["features.transition1.norm"], 16, 1, bias=False)
    h = n.op("features.transition1.pool", "avgpool", ["features.transition1.conv"], 2)
    h = n.dense_block("features.denseblock2", h, 2, k)
    n.op("pool", "adaptive_avgpool", [h], 1)
    n.op("flatten", "flatten", ["pool"])
    return n.done(n.op("fc", "linear", ["flatten"], 10))


def kinds(view) -> list[tuple[str, str]]:
    return [(it.kind, it.name) for it in view.items]


def test_every_layer_merges_plain_chains_and_keeps_merges_visible():
    view = build_view(tiny_resnet())
    first_block = [it for it in view.items if it.cluster == "layer1.0"]
    assert [it.rows for it in first_block] == [
        ["conv 3x3, 16", "bn", "relu", "conv 3x3, 16", "bn"],
        ["add", "relu"],
    ]
    assert first_block[1].shape == "16×32×32"
    # the skip edge from the stem into the first add survives as an "add" edge
    stem = next(i for i, it in enumerate(view.items) if it.name.startswith("conv1"))
    add = view.items.index(first_block[1])
    assert (stem, add, "add") in view.edges


def test_depth_folds_blocks_and_runs_of_identical_blocks():
    view = build_view(tiny_resnet(blocks=3), depth=1)
    assert kinds(view) == [
        ("input", "x"), ("chain", "conv1 … relu"), ("repeat", "layer1.0–2"),
        ("block", "layer2.0"), ("block", "layer2.1"), ("chain", "pool … fc"),
    ]
    run = view.items[2]
    assert run.count == 3 and run.rows == ["basic(c=16, stride=1) × 3"] and run.merges == ("add",)
    assert [it.shape for it in view.items[3:5]] == ["32×16×16", "32×16×16"]
    assert view.edges == [(0, 1, "seq"), (1, 2, "seq"), (2, 3, "seq"), (3, 4, "seq"), (4, 5, "seq")]
    assert set(view.clusters) == {"layer1", "layer2"}


def test_blocks_with_different_arguments_do_not_fold_together():
    view = build_view(tiny_resnet(blocks=1), depth=1)
    assert [it.kind for it in view.items if it.cluster] == ["block", "block", "block"]


def test_dense_edges_reach_every_later_layer_at_block_depth_two():
    view = build_view(tiny_densenet(n_layers=4), depth=2)
    layer = {it.name.rsplit(".", 1)[-1]: i for i, it in enumerate(view.items)
             if it.name.startswith("features.denseblock1.denselayer")}
    concats = [i for i, it in enumerate(view.items)
               if it.kind == "merge" and it.cluster == "features.denseblock1"]
    assert len(layer) == 4 and len(concats) == 4  # three inner concats and the block's output
    into_out = {a for a, b, k in view.edges if b == concats[-1] and k == "concat"}
    assert {layer[f"denselayer{i}"] for i in range(1, 5)} <= into_out
    assert view.items[concats[-1]].shape == "48×32×32"


def test_single_box_clusters_become_titled_boxes():
    view = build_view(tiny_densenet())
    titled = [it.title for it in view.items if it.title]
    assert "denselayer1: dense_layer(k=8)" in titled
    assert "transition1: transition(c=16)" in titled
    assert not any(p.endswith("denselayer1") for p in view.clusters)


def test_depth_below_one_is_a_usage_error():
    with pytest.raises(UsageError, match="depth must be at least 1"):
        build_view(tiny_resnet(), depth=0)


def test_max_depth_counts_nested_blocks():
    assert max_depth(tiny_resnet()) == 1
    assert max_depth(tiny_densenet()) == 2


def test_auto_folds_to_the_limit_and_opens_one_instance_of_each_hidden_merge(monkeypatch):
    from resgraph.tools.viz import fold

    monkeypatch.setattr(fold, "AUTO_LIMIT", 14)
    assert fold.auto_folding(tiny_densenet()) == (1, ("features.denseblock1",))
    view = build_view(tiny_densenet(), "auto")
    assert view.describe() == "blocks folded at depth 1; features.denseblock1 drawn open"
    assert [it.kind for it in view.items if it.name.startswith("features.denseblock2")] == ["block"]
    assert any(k == "concat" for _, _, k in view.edges)  # the open block shows its dense edges
    monkeypatch.setattr(fold, "AUTO_LIMIT", 100)
    assert fold.auto_folding(tiny_densenet()) == (None, ())


def test_edges_into_a_folded_block_are_plain():
    view = build_view(tiny_densenet(), depth=1)
    assert {k for _, _, k in view.edges} == {"seq"}


def test_boxes_print_only_the_arguments_that_tell_instances_apart():
    n = Net("args")
    h = n.basic("a", "x", 8)
    h = n.basic("b", h, 8)
    g = n.done(n.basic("c", h, 16, 2))
    assert [it.rows[0] for it in build_view(g, depth=1).items[1:]] == [
        "basic(c=8, stride=1) × 2", "basic(c=16, stride=2)",
    ]
    # the dense layers all agree: only their first argument is printed
    assert "dense_layer(k=8)" in build_view(tiny_densenet(), depth=2).items[2].rows[0]


def test_spine_follows_the_convolutions_not_the_projection_shortcut():
    view = build_view(tiny_resnet())
    names = [view.items[i].name for i in view.spine()]
    assert names[0] == "x" and names[-1] == "pool … fc"
    assert "layer2.0.conv1 … bn2" in names
    assert not any("downsample" in n for n in names)
