"""Which values a pass may overwrite: read from the op that made them (`OpDef.view`), never guessed."""

from __future__ import annotations

import pytest
import torch

import resgraph
from resgraph.backend.flatten import flatten
from resgraph.ir.ops.base import NoAttrs, OpDef
from resgraph.optimization.dense_buffer import dense_buffer
from resgraph.optimization.fx_match import fresh
from resgraph.optimization.inplace_relu import inplace_relu
from resgraph.optimization.mkldnn_conv import applies as mkldnn_applies, mkldnn_conv

from tests.optimization.helpers import randomized, run_pass, same_outputs


def narrow_op(name, view):
    """x[:, 0:C] through torch.narrow: a view of its input, declared as one or (wrongly) not."""

    class Narrow(OpDef):
        attrs = NoAttrs

        def emit(self, b, a, inputs, types, out):
            return b.function(torch.narrow, inputs[0], 1, 0, types[0].channels)

    Narrow.name, Narrow.view = name, view
    return Narrow


@pytest.fixture
def narrow_ops():
    resgraph.register_op(narrow_op("test_narrow", "always"))
    resgraph.register_op(narrow_op("test_narrow_undeclared", None))
    yield
    resgraph.unregister_op("test_narrow")
    resgraph.unregister_op("test_narrow_undeclared")


def compiled(body: str, channels: int = 4):
    return randomized(resgraph.compile(resgraph.loads(f"model m {{ input x[{channels}, 8, 8]\n {body} }}"), seed=0))


def test_every_op_output_is_tagged_with_its_op(resnet):
    resnet = flatten(resnet)
    tags = {n.meta["resgraph_node"]: n.meta.get("resgraph_op") for n in resnet.graph.nodes if "resgraph_node" in n.meta}
    assert tags["conv1"] == "conv" and tags["layer1.0.bn1"] == "bn" and tags["fc"] == "linear"
    graph = resnet.meta["resgraph"]["graph"]
    assert all(op is None or op == graph.op(name) for name, op in tags.items())
    assert fresh(resnet, next(n for n in resnet.graph.nodes if n.meta.get("resgraph_node") == "maxpool"))


def test_relu_never_overwrites_a_view_whose_base_is_read_again(narrow_ops):
    body = "a = x -> conv(4, 3)\n v = a -> {op} -> relu\n out = concat(v, a)"
    safe = compiled(body.format(op="test_narrow"))
    gm, changes = run_pass(safe, inplace_relu)
    assert "torch.relu_" not in gm.code and not any("relu in place" in c for c in changes)
    x = torch.randn(2, 4, 8, 8)
    same_outputs(safe, gm, x)
    # the same graph with the view undeclared: the pass trusts the entry and clobbers `a`
    wrong = compiled(body.format(op="test_narrow_undeclared"))
    gm, _ = run_pass(wrong, inplace_relu)
    assert "torch.relu_" in gm.code
    with torch.no_grad():
        assert not torch.allclose(gm(x), wrong(x))


def test_relus_after_a_shared_dense_buffer_stay_out_of_place():
    """Each concat becomes a prefix view of one buffer that later layers read: a relu on it must copy."""
    m = randomized(resgraph.compile(resgraph.loads("""
        block dense(n: int) {
            for i in 1..=n {
                h{i} = concat(in, h{1..i}) -> relu -> conv(4, 3)
            }
            out = concat(in, h{1..=n})
        }
        model m { input x[4, 8, 8]
            out = x -> conv(4, 3) -> dense(3) -> relu }"""), seed=0))
    gm, changes = run_pass(m, dense_buffer)
    assert changes and "torch.cat" not in gm.code
    gm, changes = run_pass(gm, inplace_relu)
    assert not changes
    same_outputs(m, gm, torch.randn(2, 4, 8, 8), tol=1e-6)


@pytest.mark.skipif(mkldnn_applies(resgraph.compile("resnet18")) is not None, reason="no oneDNN on this CPU")
def test_mkldnn_never_accumulates_into_a_view(narrow_ops):
    body = ("a = x -> c0: conv(4, 3)\n v = a -> {op}\n f = x -> c1: conv(4, 3)\n"
            " r = add(f, v) -> relu\n out = concat(r, a)")
    m = compiled(body.format(op="test_narrow"))
    gm, changes = run_pass(m, mkldnn_conv)
    assert any(c.endswith("oneDNN conv+add+relu") for c in changes)
    x = torch.randn(2, 4, 8, 8)
    same_outputs(m, gm, x)
    wrong = compiled(body.format(op="test_narrow_undeclared"))  # the entry lies: `a` is overwritten
    gm, changes = run_pass(wrong, mkldnn_conv)
    assert any(c.endswith("oneDNN conv+add+relu in place") for c in changes)
    with torch.no_grad():
        assert not torch.allclose(gm(x), wrong(x))


def test_an_in_place_relu_is_no_longer_fresh(resnet):
    gm, _ = run_pass(resnet, inplace_relu)
    relus = [n for n in gm.graph.nodes if n.target is torch.relu_]
    assert relus and not any(fresh(gm, n) for n in relus)
