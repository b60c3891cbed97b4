"""Which scopes become block modules, what each one reads and gives, and flattening them back."""

from __future__ import annotations

import operator

import pytest
import torch
from torch import fx, nn

import resgraph
from resgraph.backend.flatten import flatten
from resgraph.backend.fx import build_module
from resgraph.builder import Builder
from resgraph.ir import Graph, ops

X8 = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))


def calls(gm: fx.GraphModule) -> list[str]:
    return [n.target for n in gm.graph.nodes if n.op == "call_module"]


def same(gm: fx.GraphModule, x: torch.Tensor = X8) -> None:
    """The nested module, its flattened form and their state_dicts agree."""
    flat = flatten(gm)
    assert list(flat.state_dict()) == list(gm.state_dict())
    assert not any(isinstance(flat.get_submodule(t), (fx.GraphModule, nn.Sequential)) for t in calls(flat))
    with torch.no_grad():
        assert torch.equal(flat.eval()(x), gm.eval()(x))


def test_a_scope_with_a_path_out_and_back_in_stays_inlined_and_its_convex_scope_is_a_module():
    b = Builder("nonconvex")
    x = b.input(3, 8, 8)
    a = x.conv(4, 3, name="s.a")
    o = a.relu(name="o")  # outside s, between two of its layers
    y = o.conv(4, 3, name="s.c").conv(4, 3, name="s.t.d").relu(name="s.t.e")
    gm = build_module(b.build(y), seed=0)
    assert type(gm.s) is nn.Module  # a namespace: no single call could compute it
    assert isinstance(gm.s.t, fx.GraphModule) and calls(gm) == ["s.a", "o", "s.c", "s.t"]
    assert [n.name for n in gm.graph.nodes] == ["x", "s_a", "o", "s_c", "s_t", "output"]
    assert list(gm.state_dict()) == ["s.a.weight", "s.a.bias", "s.c.weight", "s.c.bias", "s.t.d.weight", "s.t.d.bias"]
    same(gm)


def test_several_inputs_and_outputs_are_placeholders_and_getitems():
    b = Builder("multi")
    x = b.input(3, 8, 8)
    o = x.conv(3, 1, name="o")
    a = x.conv(4, 3, name="g.a")
    c = a.conv(4, 3, name="g.b")  # g reads x, gives g.a and g.b
    h = x.concat(o, name="h.c").conv(4, 1, name="h.d")  # h reads x and o
    gm = build_module(b.build(a.concat(c, h)), seed=0)
    g, hm = gm.g, gm.h
    assert [n.name for n in g.graph.nodes if n.op == "placeholder"] == ["x"]
    assert [n.name for n in hm.graph.nodes if n.op == "placeholder"] == ["x0", "x1"]
    assert [n.meta["resgraph_node"] for n in hm.graph.nodes if n.op == "placeholder"] == ["x", "o"]
    (out,) = [n for n in g.graph.nodes if n.op == "output"]
    assert [a.meta["resgraph_node"] for a in out.args[0]] == ["g.a", "g.b"]
    call = next(n for n in gm.graph.nodes if n.target == "g")
    assert call.meta["resgraph_scope"] == "g" and "resgraph_node" not in call.meta
    items = [n for n in gm.graph.nodes if n.target is operator.getitem]
    assert [(n.args, n.name, n.meta["resgraph_node"]) for n in items] == [((call, 0), "g_a", "g.a"), ((call, 1), "g_b", "g.b")]
    same(gm)


def test_two_convex_siblings_that_feed_each_other_are_not_both_modules():
    """p reads q's layer and q reads p's: each is convex, but calling both would need a cycle."""
    b = Builder("siblings")
    x = b.input(3, 8, 8)
    pa = x.conv(4, 3, name="p.a")
    qa = pa.relu(name="q.a")
    qb = x.conv(4, 3, name="q.b")
    pb = pa.add(qb, name="p.b")
    gm = build_module(b.build(qa.add(pb)), seed=0)
    modules = [p for p in ("p", "q") if isinstance(gm.get_submodule(p), fx.GraphModule)]
    assert modules == ["p"]  # the one written first stays a module; q is inlined around it
    same(gm)


def test_a_layer_named_like_a_graph_module_attribute_keeps_its_scope_a_namespace():
    g = Graph("attr")
    g.add_node("x", "input", ops.get("input").bind([], {"shape": (3, 8, 8)}))
    g.add_node("blk.code", "conv", ops.get("conv").bind([4, 3], {}), ["x"])
    g.add_node("blk.out", "relu", None, ["blk.code"])
    g.set_output("blk.out")
    from resgraph.ir.verify import check

    check(g)
    gm = build_module(g, seed=0)
    assert type(gm.blk) is nn.Module and isinstance(gm.blk.code, nn.Conv2d)
    same(gm)


def test_a_block_of_functions_only_is_a_module_without_weights():
    spec = ("block act() {\n    out = in -> relu -> hard_swish\n}\n"
            "model m {\n    input x[3, 8, 8]\n    out = x -> c: conv(4, 3) -> a: act() -> d: conv(4, 1)\n}\n")
    gm = resgraph.compile(resgraph.loads(spec), seed=0)
    assert isinstance(gm.a, fx.GraphModule) and not list(gm.a.parameters())
    assert list(dict(gm.named_children())) == ["c", "a", "d"]  # placed where it is written
    assert list(gm.state_dict()) == ["c.weight", "c.bias", "d.weight", "d.bias"]
    same(gm)


def test_tensors_held_inside_a_block_are_its_own_and_read_by_get_attr():
    spec = ("block scaled(c: int) {\n    out = in -> fc: conv(c, 1) -> gamma: layer_scale(0.5)\n}\n"
            "model m {\n    input x[3, 8, 8]\n    out = x -> b0: scaled(3) -> b1: scaled(3)\n}\n")
    gm = resgraph.compile(resgraph.loads(spec), seed=0)
    block = gm.b1
    reads = [n.target for n in block.graph.nodes if n.op == "get_attr"]
    assert reads == ["gamma"] and isinstance(block.gamma, nn.Parameter)
    # a module's own tensors come before its children's in a state_dict, as they did on a namespace
    assert list(gm.state_dict()) == ["b0.gamma", "b0.fc.weight", "b0.fc.bias", "b1.gamma", "b1.fc.weight", "b1.fc.bias"]
    with torch.no_grad():
        gm.b1.gamma.fill_(2.0)
    flat = flatten(gm)
    assert [n.target for n in flat.graph.nodes if n.op == "get_attr"] == ["b0.gamma", "b1.gamma"]
    same(gm)


def test_flatten_leaves_the_nested_module_as_it_was():
    gm = resgraph.compile("resnet18", input_shape=(3, 32, 32), seed=0).eval()
    before = gm.layer1[0].code
    seen = []
    gm.layer2.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    flat = flatten(gm)
    assert flatten(flat) is flat  # nothing left to inline
    assert type(flat.layer2) is nn.Module and type(gm.layer2) is nn.Sequential and gm.layer1[0].code == before
    assert flat.get_submodule("layer2.0.conv1") is gm.layer2[0].conv1  # layers shared, not copied
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(flat(x), gm(x))
    assert seen == [torch.Size([1, 128, 4, 4])]  # the nested module's hook fired; the flat one has no blocks
    assert flat.meta["resgraph"] == gm.meta["resgraph"] and flat.meta["resgraph"] is not gm.meta["resgraph"]


@pytest.mark.parametrize("name", ["dpn68", "ese_vovnet19b_dw"])
def test_zoo_blocks_with_several_outputs(name):
    """DPN's dual-path blocks give a residual and a dense path; VoVNet's conv_mid gives each layer."""
    gm = resgraph.compile(name, input_shape=(3, 64, 64), seed=0)
    graph = gm.meta["resgraph"]["graph"]
    blocks = [m for m in gm.modules() if isinstance(m, fx.GraphModule) and m is not gm]
    multi = [m for m in blocks if isinstance(next(n for n in m.graph.nodes if n.op == "output").args[0], tuple)]
    assert multi
    for module in [gm, *blocks]:
        for node in module.graph.nodes:
            if node.target is operator.getitem and "resgraph_scope" in node.args[0].meta:
                assert node.meta["resgraph_node"] in graph
    same(gm, torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0)))
