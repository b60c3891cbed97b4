"""Standalone code for a layer class outside torch.nn: its source is written into the file, once."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import resgraph
from resgraph.backend.codegen import to_python
from resgraph.errors import CompileError
from resgraph.ir.ops.base import Attrs, OpDef

SECRET = 3.0  # a global the file could not import


class ChannelGate(nn.Module):
    """x * sigmoid(w) per channel, w starting at `init` scaled by sqrt(channels): a stand-in for the
    classes of resgraph/ir/ops/modules.py (only torch, nn, F and math; arguments kept as attributes)."""

    def __init__(self, channels: int, init: float = 0.5) -> None:
        super().__init__()
        self.channels = channels
        self.init = init
        self.weight = nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.weight.fill_(self.init * math.sqrt(self.channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * F.sigmoid(self.weight).reshape(1, -1, 1, 1)


class Leaky(nn.Module):
    """Reads a module-level global: the file cannot have it."""

    def forward(self, x):
        return x * SECRET


class GateAttrs(Attrs):
    init: float = 0.5


def op_for(cls, name):
    class Gate(OpDef):
        attrs = GateAttrs

        def emit(self, b, a, inputs, types, out):
            return b.module(cls(types[0].channels, a.init) if cls is ChannelGate else cls(), inputs[0])

    Gate.name = name
    return Gate


@pytest.fixture
def gate_op():
    resgraph.register_op(op_for(ChannelGate, "test_gate"))
    yield "test_gate"
    resgraph.unregister_op("test_gate")


SPEC = """model gated {
    input x[3, 8, 8]
    out = x -> conv(4, 3) -> g1: test_gate(0.25) -> relu -> conv(4, 1) -> g2: test_gate -> adaptive_avgpool(1)
}"""

RUN = textwrap.dedent("""
    import importlib.util, sys
    sys.modules["resgraph"] = None  # importing resgraph (or anything under it) now fails
    import torch
    spec = importlib.util.spec_from_file_location("gated_file", sys.argv[1])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.Gated()
    fresh = {k: v.clone() for k, v in model.state_dict().items()}
    data = torch.load(sys.argv[2])
    model.load_state_dict(data["state"], strict=True)
    torch.save({"y": model.eval()(data["x"]), "fresh": fresh}, sys.argv[3])
""")


def test_class_source_is_embedded_once_and_the_file_runs_without_resgraph(tmp_path, gate_op):
    module = resgraph.compile(resgraph.loads(SPEC), seed=0)
    with torch.no_grad():
        module.g2.weight.uniform_(-1, 1, generator=torch.Generator().manual_seed(1))
    source = to_python(module)
    assert source.count("class ChannelGate(nn.Module):") == 1
    assert "self.g1 = ChannelGate(4, init=0.25)" in source and "self.g2 = ChannelGate(4)" in source
    assert "import math" in source and "import torch.nn.functional as F" in source
    path = tmp_path / "gated.py"
    path.write_text(source)
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    torch.save({"state": module.state_dict(), "x": x}, tmp_path / "in.pt")
    subprocess.run([sys.executable, "-c", RUN, str(path), str(tmp_path / "in.pt"), str(tmp_path / "out.pt")],
                   check=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ""}, timeout=120)
    out = torch.load(tmp_path / "out.pt")
    with torch.no_grad():
        torch.testing.assert_close(out["y"], module.eval()(x))
    # the file's own construction runs the class's reset_parameters: init * sqrt(channels)
    assert torch.equal(out["fresh"]["g1.weight"], torch.full((4,), 0.25 * 2))


def test_the_op_init_default_is_the_classes_reset_parameters(gate_op):
    module = resgraph.compile(resgraph.loads(SPEC), seed=0)
    assert torch.equal(module.g1.weight, torch.full((4,), 0.5)) and torch.equal(module.g2.weight, torch.full((4,), 1.0))


def test_a_class_the_file_cannot_hold_is_a_compile_error():
    class Local(nn.Module):
        def forward(self, x):
            return x

    for cls, name, why in ((Leaky, "test_leaky", "its class uses SECRET, which the file cannot import"),
                           (Local, "test_local", "its class is not defined at the top of a module")):
        resgraph.register_op(op_for(cls, name))
        try:
            module = resgraph.compile(resgraph.loads(f"model m {{ input x[3, 8, 8]\n out = x -> g: {name} }}"))
            with pytest.raises(CompileError, match=f"cannot construct 'g' \\({cls.__name__}\\): {why}"):
                to_python(module)
        finally:
            resgraph.unregister_op(name)
