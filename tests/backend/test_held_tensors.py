"""A tensor an op holds at its own path (layer scale's gamma): the key timm gives it, at every opt
level, in standalone code and through save/load; its init comes from the op's `init_held`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch

import resgraph
from resgraph.backend.codegen import to_python
from resgraph.backend.fx import build_module
from resgraph.errors import CompileError
from resgraph.ir import Graph, ops
from resgraph.ir.ops.base import Attrs, OpDef
from resgraph.ir.verify import check

# ConvNeXt's block as timm names it (timm.models.convnext.ConvNeXtBlock, ls_init_value=1e-6)
SPEC = """model m() {
    input x[8, 16, 16]
    out = x -> stages: [s0: [blocks: [b0: [conv_dw: conv(8, 7, groups=8) -> norm: layernorm
        -> mlp: [fc1: linear(32) -> act: gelu -> fc2: linear(8)] -> gamma: layer_scale(0.25)]]]]
        -> adaptive_avgpool(1) -> flatten -> head: linear(3)
}
"""
GAMMA = "stages.s0.blocks.b0.gamma"


def timm_like_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A state dict as a timm checkpoint has it: every key ours, random values, gamma by its own name."""
    gen = torch.Generator().manual_seed(3)
    return {k: torch.randn(v.shape, generator=gen) for k, v in module.state_dict().items()}


@pytest.fixture(scope="module")
def module():
    return resgraph.compile(resgraph.loads(SPEC), seed=0).eval()


def test_gamma_is_a_parameter_at_the_layers_own_path(module):
    assert dict(module.named_parameters())[GAMMA].shape == (8,)
    assert GAMMA in module.state_dict() and not any(k.startswith(GAMMA + ".") for k in module.state_dict())
    assert not module.stages.s0.blocks.b0._load_state_dict_pre_hooks  # no key renaming on load
    assert torch.equal(module.get_parameter(GAMMA), torch.full((8,), 0.25))
    x = torch.randn(2, 8, 16, 16)
    b0 = module.stages.s0.blocks.b0
    h = b0.norm(b0.conv_dw(x).permute(0, 2, 3, 1))
    h = b0.mlp.fc2(torch.nn.functional.gelu(b0.mlp.fc1(h))).permute(0, 3, 1, 2)
    expected = module.head((h * 0.25).mean((2, 3)))
    torch.testing.assert_close(module(x), expected)


@pytest.mark.parametrize("level", [0, 1])
def test_strict_load_of_gamma_keys_at_every_opt_level(module, level):
    """-O1 rebuilds the GraphModule; a get_attr target survives that (the old load hook did not)."""
    state = timm_like_state(module)
    target = resgraph.optimize(resgraph.compile(resgraph.loads(SPEC), seed=1), opt_level=level) if level else \
        resgraph.compile(resgraph.loads(SPEC), seed=1)
    assert GAMMA in target.state_dict()
    target.load_state_dict(state, strict=True)
    assert torch.equal(target.get_parameter(GAMMA), state[GAMMA])
    module_0 = resgraph.compile(resgraph.loads(SPEC), seed=1)
    module_0.load_state_dict(state, strict=True)
    x = torch.randn(2, 8, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(target.eval()(x), module_0.eval()(x), rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match=r"Missing key.*gamma"):
        target.load_state_dict({k: v for k, v in state.items() if k != GAMMA})


def test_optimizing_moves_gamma_with_the_layer(module):
    optimized = resgraph.optimize(resgraph.compile(resgraph.loads(SPEC), seed=0), opt_level=1)
    assert torch.equal(optimized.get_parameter(GAMMA), torch.full((8,), 0.25))


RUN = textwrap.dedent("""
    import importlib.util, sys
    sys.modules["resgraph"] = None  # importing resgraph (or anything under it) now fails
    import torch
    spec = importlib.util.spec_from_file_location("m_file", sys.argv[1])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.M()
    fresh = {k: v.clone() for k, v in model.state_dict().items()}
    params = [k for k, _ in model.named_parameters()]
    data = torch.load(sys.argv[2])
    model.load_state_dict(data["state"], strict=True)
    torch.save({"y": model.eval()(data["x"]), "fresh": fresh, "params": params}, sys.argv[3])
""")


def test_standalone_code_declares_gamma_and_fills_it(tmp_path, module):
    source = to_python(module)
    assert "self.stages.s0.blocks.b0.gamma = nn.Parameter(torch.empty(8))" in source
    assert "nn.init.constant_(self.stages.s0.blocks.b0.gamma, val=0.25)" in source
    path = tmp_path / "m.py"
    path.write_text(source)
    state = timm_like_state(module)
    x = torch.randn(2, 8, 16, 16)
    torch.save({"state": state, "x": x}, tmp_path / "in.pt")
    subprocess.run([sys.executable, "-c", RUN, str(path), str(tmp_path / "in.pt"), str(tmp_path / "out.pt")],
                   check=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ""}, timeout=120)
    out = torch.load(tmp_path / "out.pt")
    loaded = resgraph.compile(resgraph.loads(SPEC), seed=0).eval()
    loaded.load_state_dict(state, strict=True)
    with torch.no_grad():
        torch.testing.assert_close(out["y"], loaded(x))
    assert out["params"] == [k for k, _ in module.named_parameters()]
    assert torch.equal(out["fresh"][GAMMA], torch.full((8,), 0.25))


def test_save_and_load_round_trip(tmp_path, module):
    trained = resgraph.compile(resgraph.loads(SPEC), seed=0)
    trained.load_state_dict(timm_like_state(trained), strict=True)
    resgraph.save_model(trained, tmp_path / "saved")
    back = resgraph.load_model(tmp_path / "saved")
    assert list(back.state_dict()) == list(trained.state_dict())
    assert torch.equal(back.get_parameter(GAMMA), trained.get_parameter(GAMMA))
    x = torch.randn(2, 8, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(back.eval()(x), trained.eval()(x))


def test_seeded_init_is_reproducible_and_gamma_is_its_init_value():
    a, b = (resgraph.compile(resgraph.loads(SPEC), seed=5) for _ in range(2))
    c = resgraph.compile(resgraph.loads(SPEC), seed=6)
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    assert not torch.equal(a.stages.s0.blocks.b0.conv_dw.weight, c.stages.s0.blocks.b0.conv_dw.weight)
    assert torch.equal(a.get_parameter(GAMMA), torch.full((8,), 0.25))


class NoiseAttrs(Attrs):
    std: float = 1.0


class Noise(OpDef):
    """A plugin op holding a buffer drawn from a normal distribution: `init_held` drawing from the
    compile's generator, and a buffer rather than a parameter."""

    name = "test_noise"
    attrs = NoiseAttrs

    def params(self, a, inputs, out):
        return 0

    def emit(self, b, a, inputs, types, out):
        return b.function(torch.add, inputs[0], b.buffer(tuple(types[0].dims())))

    def init_held(self, a):
        return "normal_", {"std": a.std}


class Bare(Noise):
    name = "test_bare"

    def init_held(self, a):
        return super(Noise, self).init_held(a)


@pytest.fixture
def noise_ops():
    resgraph.register_op(Noise)
    resgraph.register_op(Bare)
    yield
    resgraph.unregister_op("test_noise")
    resgraph.unregister_op("test_bare")


NOISE = "model n() {\n    input x[2, 3, 3]\n    out = x -> a: [n: test_noise(0.5)] -> relu\n}\n"


def test_a_held_buffer_draws_from_the_seed_and_standalone_code_draws_the_same(noise_ops):
    graph = resgraph.loads(NOISE)
    one, two = resgraph.compile(graph, seed=1), resgraph.compile(graph, seed=1)
    assert list(one.state_dict()) == ["a.n"] and not list(one.parameters())
    assert torch.equal(one.get_buffer("a.n"), two.get_buffer("a.n"))
    expected = torch.empty(2, 3, 3).normal_(std=0.5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(one.get_buffer("a.n"), expected)
    source = to_python(one)
    assert 'self.a.register_buffer("n", torch.empty(2, 3, 3))' in source
    assert "nn.init.normal_(self.a.n, std=0.5)" in source
    torch.manual_seed(4)
    unseeded = resgraph.compile(graph)
    namespace: dict = {}
    exec(compile(source, "n.py", "exec"), namespace)
    torch.manual_seed(4)
    assert torch.equal(namespace["N"]().a.n, unseeded.get_buffer("a.n"))  # same draws from the global RNG


def test_a_held_tensor_without_init_held_names_the_op(noise_ops):
    graph = resgraph.loads(NOISE.replace("test_noise(0.5)", "test_bare"))
    with pytest.raises(CompileError, match=r"'a\.n': op 'test_bare' holds a tensor at its path but has no init_held"):
        resgraph.compile(graph, seed=0)


@pytest.mark.parametrize("outer,inner", [("layer_scale", "conv"), ("conv", "layer_scale")])
def test_a_held_tensor_cannot_also_be_a_namespace(outer, inner):
    g = Graph("overlap")
    g.add_node("x", "input", ops.get("input").bind([], {"shape": (3, 8, 8)}))
    g.add_node("a", outer, ops.get(outer).bind([4] if outer == "conv" else [], {}), ["x"])
    g.add_node("a.b", inner, ops.get(inner).bind([4] if inner == "conv" else [], {}), ["a"])
    g.set_output("a.b")
    check(g)
    with pytest.raises(CompileError, match="'a' is a layer and also the namespace of 'a.b'"):
        build_module(g)
