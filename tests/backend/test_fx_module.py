"""The GraphModule's shape as the IR → back end contract states it: tree, names, meta, determinism."""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from resgraph.backend.flatten import flatten
from resgraph.backend.fx import build_module, class_name
from resgraph.errors import CompileError
from resgraph.ir import Graph, ops
from resgraph.ir.verify import check
from resgraph.builder import Builder, block


@block
def bottleneck(x, planes, stride=1):
    f = x.conv(planes, 1, bias=False, name="conv1").bn(name="bn1").relu()
    f = f.conv(planes, 3, stride, bias=False, name="conv2").bn(name="bn2").relu()
    f = f.conv(planes * 4, 1, bias=False, name="conv3").bn(name="bn3", zero_init=True)
    s = x
    if stride != 1 or x.channels != planes * 4:
        with x.builder.scope("downsample", kind="group"):
            s = x.conv(planes * 4, 1, stride, bias=False, name="0").bn(name="1")
    return f.add(s).relu()


def resnet(layers, name="resnet", size=32):
    b = Builder(name)
    x = b.input(3, size, size)
    y = x.conv(64, 7, 2, 3, bias=False, name="conv1").bn(name="bn1").relu().maxpool(3, 2, 1)
    for i, (n, planes) in enumerate(zip(layers, [64, 128, 256, 512]), start=1):
        with b.scope(f"layer{i}", kind="group"):
            for j in range(n):
                y = bottleneck(y, planes, 2 if j == 0 and i > 1 else 1, name=str(j))
    return b.build(y.adaptive_avgpool(1).flatten().linear(1000, name="fc"))


SMALL = resnet([1, 1, 1, 1], "resnet_small")


def test_module_tree_follows_layer_paths_and_fx_names_follow_them_too():
    gm = build_module(SMALL, seed=0)
    modules = dict(gm.named_modules())
    assert type(modules["layer2.0.downsample.0"]) is torch.nn.Conv2d
    assert all("." not in name for m in modules.values() for name, _ in m.named_children())
    flat = flatten(gm)
    calls = {n.target: n for n in flat.graph.nodes if n.op == "call_module"}
    assert set(calls) == {p for p, m in modules.items() if not list(m.children()) and p}
    for target, node in calls.items():
        assert node.name == target.replace(".", "_")
        assert node.meta["resgraph_node"] == target
    assert 'layer1_0_downsample_0 = getattr(getattr(self.layer1, "0").downsample, "0")(maxpool)' in flat.code
    assert gm.meta["resgraph"] == {"graph": SMALL, "opt_level": 0}
    assert type(gm).__name__ == type(flat).__name__ == "ResnetSmall"
    gm.graph.lint()


def test_blocks_are_modules_named_and_called_by_their_paths():
    """Each block instance and group is a submodule its parent's graph calls: a group of numbered
    blocks is an nn.Sequential, a block a GraphModule whose fx names are paths inside it."""
    gm = build_module(SMALL, seed=0)
    assert [n.target for n in gm.graph.nodes if n.op == "call_module"] == \
        ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "adaptive_avgpool", "fc"]
    layer = gm.get_submodule("layer1")
    assert type(layer) is torch.nn.Sequential and list(dict(layer.named_children())) == ["0"]
    block = gm.layer1[0]
    assert isinstance(block, torch.fx.GraphModule) and type(block).__name__ == "Bottleneck"
    assert [n.name for n in block.graph.nodes] == ["x", "conv1", "bn1", "relu", "conv2", "bn2", "relu_1", "conv3",
                                                   "bn3", "downsample", "add", "relu_2", "output"]
    assert type(block.downsample) is torch.nn.Sequential and type(block.downsample[1]) is torch.nn.BatchNorm2d
    call = next(n for n in gm.graph.nodes if n.target == "layer2")
    assert call.meta["resgraph_scope"] == "layer2" and call.meta["resgraph_node"] == "layer2.0.relu_2"
    seen = []
    handle = gm.layer3[0].register_forward_hook(lambda m, i, o: seen.append(o.shape))
    gm.eval()(torch.randn(1, 3, 32, 32))
    handle.remove()
    assert seen == [torch.Size([1, 1024, 2, 2])]


def test_every_fx_node_but_output_names_its_ir_node():
    gm = build_module(SMALL, seed=0)
    for module in [gm, flatten(gm), gm.layer2[0]]:
        for node in module.graph.nodes:
            if node.op != "output":
                assert node.meta["resgraph_node"] in SMALL
    functions = {n.meta["resgraph_node"]: n.target for n in flatten(gm).graph.nodes if n.op == "call_function"}
    assert functions["layer1.0.add"] is __import__("operator").add
    assert functions["flatten"] is torch.flatten and type(gm.relu) is torch.nn.ReLU  # a child, as torchvision's


def test_parameter_count_matches_the_static_count():
    gm = build_module(SMALL, seed=0)
    assert sum(p.numel() for p in gm.parameters()) == SMALL.param_count()


def test_layers_that_do_not_reach_the_output_are_left_out():
    b = Builder("dead")
    x = b.input(3, 8, 8)
    x.conv(4, 3, name="unused")
    g = b.build(x.conv(4, 3, name="used"))
    assert g.warnings and "unused" in g.warnings[0].message
    gm = build_module(g, seed=0)
    assert [k for k in gm.state_dict()] == ["used.weight", "used.bias"]


def test_unchecked_graph_is_a_compile_error():
    g = Graph("raw")
    g.add_node("x", "input", ops.get("input").bind([], {"shape": (3, 8, 8)}))
    g.add_node("conv", "conv", ops.get("conv").bind([4], {}), ["x"])
    g.set_output("conv")
    with pytest.raises(CompileError, match="not checked"):
        build_module(g)
    check(g)
    assert build_module(g)(torch.randn(1, 3, 8, 8)).shape == (1, 4, 8, 8)


def test_layer_named_like_a_module_attribute_is_a_compile_error():
    g = Graph("clash")  # built by hand and inferred without check: the backend has the same rule
    g.add_node("x", "input", ops.get("input").bind([], {"shape": (3, 8, 8)}))
    g.add_node("training", "conv", ops.get("conv").bind([4, 3], {}), ["x"])
    g.set_output("training")
    for n in g.topo_order():
        g.infer(n)
    with pytest.raises(CompileError, match="'training' is a reserved attribute") as exc:
        build_module(g)
    assert "rename" in exc.value.diagnostics[0].hint


def test_layer_that_is_also_a_namespace_is_a_compile_error():
    g = Graph("overlap")
    g.add_node("x", "input", ops.get("input").bind([], {"shape": (3, 8, 8)}))
    g.add_node("a", "conv", ops.get("conv").bind([4], {}), ["x"])
    g.add_node("a.b", "conv", ops.get("conv").bind([4], {}), ["a"])
    g.set_output("a.b")
    check(g)
    with pytest.raises(CompileError, match="'a' is a layer and also the namespace of 'a.b'"):
        build_module(g)


@pytest.mark.parametrize(
    "model,expected",
    [("tiny_resnet", "TinyResnet"), ("resnet50", "Resnet50"), ("wide_resnet50_2", "WideResnet50_2"),
     ("3net", "Model3net")],
)
def test_class_names(model, expected):
    assert class_name(model) == expected


SCRIPT = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.backend.test_fx_module import resnet
from resgraph.backend.fx import build_module
from tests.backend.test_fx_module import all_code
gm = build_module(resnet([1, 2, 1, 1], "det"))
print(hashlib.sha256(all_code(gm).encode()).hexdigest(), ",".join(gm.state_dict()))
"""


def all_code(gm) -> str:
    """The code of the module and of every block module in it, in module order."""
    return "".join(m.code for m in gm.modules() if isinstance(m, torch.fx.GraphModule))


def test_same_graph_gives_byte_identical_code_and_keys_across_processes():
    """Another process, with another hash seed (set and dict order must not leak into names)."""
    script = SCRIPT.format(root=str(Path(__file__).resolve().parents[2]))
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    gm = build_module(resnet([1, 2, 1, 1], "det"))
    here = f"{hashlib.sha256(all_code(gm).encode()).hexdigest()} {','.join(gm.state_dict())}"
    assert other.stdout.strip() == here
    assert here.split()[1].split(",")[:3] == ["conv1.weight", "bn1.weight", "bn1.bias"]


def test_resnet152_sized_graph_builds_quickly():
    g = resnet([3, 8, 36, 3], "resnet152", size=224)
    started = time.perf_counter()
    gm = build_module(g, seed=0)
    elapsed = time.perf_counter() - started
    assert sum(p.numel() for p in gm.parameters()) == 60_192_808  # torchvision's resnet152
    assert elapsed < 3.0, f"building resnet152 took {elapsed:.2f} s"



def test_layers_are_registered_in_statement_order_not_compute_order():
    """timm registers a block's `downsample` before `norm1`, which it runs first: a spec that writes
    the shortcut first gets the same key order, though the shortcut computes after `norm1`."""
    import resgraph

    spec = ("block pb(c: int) {\n    s = p -> downsample.conv: conv(c, 1)\n    p = in -> norm1: bn -> relu\n"
            "    f = p -> conv1: conv(c, 3)\n    out = add(f, s)\n}\n"
            "model m {\n    input x[3, 8, 8]\n    out = x -> b0: pb(4) -> head: conv(2, 1)\n}\n")
    graph = resgraph.loads(spec)
    gm = build_module(graph, seed=0)
    computed = [n.target for n in flatten(gm).graph.nodes if n.op == "call_module"]
    assert computed == ["b0.norm1", "b0.p", "b0.downsample.conv", "b0.conv1", "head"]
    assert [p for p, m in gm.named_modules() if not list(m.children())] == \
        ["b0.downsample.conv", "b0.norm1", "b0.p", "b0.conv1", "head"]
    assert list(gm.state_dict())[:3] == ["b0.downsample.conv.weight", "b0.downsample.conv.bias", "b0.norm1.weight"]
