"""Runs of ops over channels lower channels-last: one permute pair, and timm's numbers bit for bit."""

import copy
import importlib.util

import torch
import torch.nn.functional as F
from torch import nn

import resgraph
from resgraph.backend.codegen import to_python
from resgraph.backend.flatten import flatten

BLOCK = """model convnext_block {
    input x[32, 14, 14]
    h = x -> conv_dw: conv(32, 7, groups=32) -> norm: layernorm
          -> mlp: [fc1: linear(128) -> act: gelu -> fc2: linear(32)]
          -> gamma: layer_scale(1e-6) -> drop_path(0.1)
    out = add(h, x)
}
"""


class TimmBlock(nn.Module):
    """timm's ConvNeXtBlock (conv_mlp=False): the MLP runs on a contiguous NHWC tensor."""

    def __init__(self, m):
        super().__init__()
        self.conv_dw = copy.deepcopy(m.conv_dw)
        self.norm = copy.deepcopy(m.norm)
        self.fc1, self.fc2 = copy.deepcopy(m.mlp.fc1), copy.deepcopy(m.mlp.fc2)
        self.gamma = nn.Parameter(m.gamma.detach().clone())

    def forward(self, x):
        y = self.conv_dw(x).permute(0, 2, 3, 1)
        y = self.fc2(F.gelu(self.fc1(self.norm(y))))
        y = y.permute(0, 3, 1, 2).mul(self.gamma.reshape(1, -1, 1, 1))
        return y + x


def block():
    m = resgraph.compile(resgraph.loads(BLOCK), seed=0)
    with torch.no_grad():  # a gamma of 1e-6 would hide the MLP's numbers
        m.gamma.copy_(torch.randn(32, generator=torch.Generator().manual_seed(1)))
    return m


def permutes(m):
    return [n for n in m.graph.nodes if n.target is torch.permute]


def test_one_permute_pair_around_the_mlp():
    """In one graph (flattened, as the optimizer reads it); at level 0 the mlp group is a module of
    its own, whose value is NCHW on either side like every module's."""
    assert [p.args[1] for p in permutes(block().mlp)] == [(0, 2, 3, 1), (0, 3, 1, 2)]
    m = flatten(block())
    into, back = permutes(m)
    assert into.args[1] == (0, 2, 3, 1) and back.args[1] == (0, 3, 1, 2)
    run = []
    node = into
    while node is not back:
        (node,) = node.users
        run.append(node.meta["resgraph_node"])
    assert run == ["norm", "mlp.fc1", "mlp.act", "mlp.fc2", "mlp.fc2"]
    assert back.meta["resgraph_op"] == "linear"  # the permute back holds fc2's (NCHW) output
    act = next(n for n in m.graph.nodes if n.meta.get("resgraph_node") == "mlp.act")
    assert "resgraph_op" not in act.meta  # its value is channels-last: no IR type describes it


def test_outputs_and_gradients_equal_timm_bit_for_bit():
    m = block().eval()
    ref = TimmBlock(m).eval()
    x = torch.randn(2, 32, 14, 14, generator=torch.Generator().manual_seed(2))
    xs = [x.clone().requires_grad_(), x.clone().requires_grad_()]
    got, want = m(xs[0]), ref(xs[1])
    assert torch.equal(got, want)
    got.square().sum().backward()
    want.square().sum().backward()
    assert torch.equal(xs[0].grad, xs[1].grad)
    pairs = {"conv_dw": ref.conv_dw, "norm": ref.norm, "mlp.fc1": ref.fc1, "mlp.fc2": ref.fc2}
    for path, layer in pairs.items():
        for name, p in m.get_submodule(path).named_parameters():
            assert torch.equal(p.grad, getattr(layer, name).grad), f"{path}.{name}"
    assert torch.equal(m.gamma.grad, ref.gamma.grad)


def test_level1_and_standalone_code_match_level0(tmp_path):
    m = block().eval()
    x = torch.randn(2, 32, 14, 14, generator=torch.Generator().manual_seed(3))
    o = resgraph.optimize(m, opt_level=1)
    path = tmp_path / "generated.py"
    path.write_text(to_python(m))
    spec = importlib.util.spec_from_file_location("generated", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    standalone = getattr(mod, type(m).__name__)()
    standalone.load_state_dict(m.state_dict())
    with torch.no_grad():
        ref = m(x)
        torch.testing.assert_close(o(x), ref, rtol=1e-4, atol=1e-5)
        assert torch.equal(standalone.eval()(x), ref)


def test_a_value_read_twice_stays_nchw():
    """fc's output feeds gelu and the add: the permute back stays, and gelu reads the NCHW value."""
    m = resgraph.compile(resgraph.loads("""model two {
    input x[16, 8, 8]
    a = x -> fc: linear(16)
    b = a -> act: gelu -> fc2: linear(16)
    out = add(a, b)
}
"""), seed=0).eval()
    assert len(permutes(m)) == 4
    act = next(n for n in m.graph.nodes if n.meta.get("resgraph_node") == "act")
    assert act.meta["resgraph_op"] == "gelu" and act.args[0].target is torch.permute
    x = torch.randn(2, 16, 8, 8, generator=torch.Generator().manual_seed(4))
    fc, fc2 = m.get_submodule("fc"), m.get_submodule("fc2")
    with torch.no_grad():
        a = fc(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        b = fc2(F.gelu(a).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        assert torch.equal(m(x), a + b)
