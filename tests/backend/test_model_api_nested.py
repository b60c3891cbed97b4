"""timm's model API on a module whose blocks are submodules: set_grad_checkpointing runs each
repeated block under torch.utils.checkpoint with the gradients there are without it, and turning
it off restores the graphs; the head is cut between the root graph's calls, or on the flattened
graph where the pre-logits are inside a block module.

Until `-O0` modules are nested by the compiler, the nested module is made here by hand from the
flat one, the way the contract describes it: a block is a GraphModule called from the root graph
(its call tagged with its output's IR name), a repetition an nn.Sequential of them, same state_dict.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import pytest
import torch
from torch import fx, nn

import resgraph

TINY = """block basic(c: int, stride: int = 1) {
    f = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(c, 3, bias=false) -> bn2: bn
    s = if stride != 1 or in.channels != c {
            in -> downsample: [conv(c, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}

model tiny(num_classes: int = 10) {
    input x[3, 16, 16]
    stem = x -> conv1: conv(8, 3, bias=false) -> bn1: bn -> relu
    body = stem -> layer1: basic(8) * 2 -> layer2: [basic(16, 2) -> basic(16)]
    out = body -> avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)
}
"""
HEAD_GROUP = TINY.replace("avgpool: adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)",
                          "head: [adaptive_avgpool(1) -> flatten -> fc: linear(num_classes)]")


def extract(root: fx.GraphModule, prefix: str) -> fx.Node:
    """Replace the root graph's nodes of scope `prefix` by one call of a GraphModule at `prefix`."""
    nodes = [n for n in root.graph.nodes if n.op not in ("placeholder", "output")
             and str(n.meta.get("resgraph_node", "")).startswith(prefix + ".")]
    inside = set(nodes)
    inputs = list(dict.fromkeys(u for n in nodes for u in n.all_input_nodes if u not in inside))
    (out,) = [n for n in nodes if any(u not in inside for u in n.users)]
    sub = fx.Graph()
    env = {u: sub.placeholder(u.name) for u in inputs}
    for n in nodes:
        env[n] = sub.node_copy(n, env.__getitem__)
        if n.op in ("call_module", "get_attr"):
            env[n].target = n.target[len(prefix) + 1:]
    sub.output(env[out])
    block = fx.GraphModule(root.get_submodule(prefix), sub)
    parent, _, leaf = prefix.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, leaf, block)
    with root.graph.inserting_after(out):
        call = root.graph.call_module(prefix, tuple(inputs))
    call.meta = {"resgraph_node": out.meta["resgraph_node"], "resgraph_scope": prefix}
    out.replace_all_uses_with(call, delete_user_cb=lambda user: user is not call)
    for n in reversed(nodes):
        root.graph.erase_node(n)
    return call


def flat_module(text: str = TINY) -> fx.GraphModule:
    """The compiled module, flat: as compiled where blocks are not modules yet, else flattened."""
    m = resgraph.compile(resgraph.loads(text), seed=0)
    try:
        from resgraph.backend.flatten import flatten
    except ImportError:
        return m
    return flatten(m)


def nested(flat: fx.GraphModule, head: bool = False) -> fx.GraphModule:
    """layer1: an nn.Sequential of two block GraphModules; layer2: a GraphModule calling two; with
    `head`, the head group a GraphModule too."""
    m = copy.deepcopy(flat)
    calls = [extract(m, f"layer{i}.{j}") for i in (1, 2) for j in (0, 1)]
    m.layer1 = nn.Sequential(OrderedDict(m.layer1.named_children()))
    with m.graph.inserting_after(calls[1]):
        seq = m.graph.call_module("layer1", (calls[0].args[0],))
    seq.meta = {**calls[1].meta, "resgraph_scope": "layer1"}
    calls[1].replace_all_uses_with(seq, delete_user_cb=lambda user: user is not seq)
    m.graph.erase_node(calls[1])
    m.graph.erase_node(calls[0])
    extract(m, "layer2")
    if head:
        extract(m, "head")
    m.graph.lint()
    m.recompile()
    return m


@pytest.fixture(scope="module")
def flat():
    return flat_module()


def checkpoints(gm: fx.GraphModule) -> int:
    return sum(n.target is torch.utils.checkpoint.checkpoint for n in gm.graph.nodes)


def grads(m: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    m.zero_grad()
    m(x).square().sum().backward()
    return {k: p.grad.clone() for k, p in m.named_parameters()}


def test_the_hand_nested_module_is_the_flat_one(flat):
    m = nested(flat)
    assert isinstance(m.layer1, nn.Sequential) and isinstance(m.layer2, fx.GraphModule)
    assert list(m.state_dict()) == list(flat.state_dict())
    x = torch.randn(2, 3, 16, 16)
    assert torch.equal(m.eval()(x), copy.deepcopy(flat).eval()(x))


def test_checkpointing_recomputes_each_block_and_keeps_the_gradients(flat):
    plain, m = nested(flat).train(), nested(flat).train()
    code = (m.code, m.layer2.code)
    m.set_grad_checkpointing()
    assert m.grad_checkpointing and checkpoints(m) == 2 and checkpoints(m.layer2) == 2
    assert list(m.state_dict()) == list(flat.state_dict())
    runs = []
    m.layer1[1].register_forward_pre_hook(lambda *_: runs.append(1))  # a recompute may stop early
    x = torch.randn(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    expected, got = grads(plain, x), grads(m, x)
    assert len(runs) == 2  # once forward, once again in the backward pass
    assert expected.keys() == got.keys() and all(torch.equal(expected[k], got[k]) for k in expected)
    m.set_grad_checkpointing(False)
    assert not m.grad_checkpointing and (m.code, m.layer2.code) == code


def test_the_head_split_and_copies_of_a_checkpointed_module(flat):
    m = nested(flat).eval()
    m.set_grad_checkpointing()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        assert torch.equal(m.forward_head(m.forward_features(x)), m(x))
        twin = copy.deepcopy(m)
        assert twin.grad_checkpointing and torch.equal(twin(x), m(x))
    twin.set_grad_checkpointing(False)
    assert checkpoints(twin) == checkpoints(twin.layer2) == 0 and checkpoints(m) == 2
    assert [n.name for n in twin.graph.nodes] == [n.name for n in nested(flat).graph.nodes]


def test_the_pre_logits_inside_a_head_module_are_cut_on_the_inlined_graph():
    flat = flat_module(HEAD_GROUP).eval()
    m = nested(flat, head=True)
    assert isinstance(m.head, fx.GraphModule)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        features = m.forward_features(x)
        assert torch.equal(m.forward_head(features), flat(x))
        assert torch.equal(m.forward_head(features, pre_logits=True), flat.forward_head(features, pre_logits=True))
    assert m.forward_head(features, pre_logits=True).shape == (2, 16)


def test_a_block_holding_body_and_head_is_cut_inside():
    text = """model mixed {
    input x[3, 16, 16]
    out = x -> net: [conv(8, 3, 2) -> relu -> adaptive_avgpool(1) -> flatten -> fc: linear(4)]
}
"""
    flat = flat_module(text).eval()
    m = copy.deepcopy(flat)
    extract(m, "net")
    m.recompile()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        features = m.forward_features(x)
        assert features.shape == (2, 8, 8, 8) and torch.equal(m.forward_head(features), flat(x))
