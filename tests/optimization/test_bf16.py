"""precision="bf16": accurate to 1e-2 of float32 with top-1 kept, bf16 NHWC from layer to layer,
float32 (with a warning) where the hardware has no bf16 units, and float32 at the boundary."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import pytest
import torch
from torch import fx

import resgraph
from resgraph.errors import UsageError
from resgraph.optimization import bf16 as bf16_pass
from resgraph.optimization.mkldnn_conv import FusedConv2d

from tests.optimization.helpers import randomized

needs_onednn = pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="PyTorch has no oneDNN")


@pytest.fixture
def forced(monkeypatch):
    """bf16 on any machine: the accuracy is the hardware's business only for speed."""
    monkeypatch.setenv(bf16_pass.FORCE_ENV, "force")


@pytest.fixture(scope="module")
def cifar_resnet():
    return randomized(resgraph.compile("cifar_resnet20", seed=0))


def _agreement(got: torch.Tensor, want: torch.Tensor) -> tuple[float, float]:
    return ((got - want).norm() / want.norm()).item(), (got.argmax(1) == want.argmax(1)).float().mean().item()


@needs_onednn
def test_bf16_logits_are_within_1e_2_of_float32_and_keep_every_top1(forced, cifar_resnet):
    x = torch.randn(64, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    fp32 = resgraph.optimize(cifar_resnet, opt_level=1)
    low = resgraph.optimize(cifar_resnet, opt_level=1, precision="bf16")
    with torch.no_grad():
        want, got = fp32(x), low(x)
    rel, top1 = _agreement(got, want)
    assert got.dtype == torch.float32 and low.meta["resgraph"]["precision"] == "bf16"
    assert 0 < rel < 1e-2 and top1 == 1.0, (rel, top1)  # 0 would mean nothing ran in bf16


class Recorder(fx.Interpreter):
    """Every value each fx node produced, by node name."""

    def run_node(self, n):
        out = super().run_node(n)
        self.seen[n.name] = out
        return out


@needs_onednn
def test_activations_stay_bf16_nhwc_and_weights_are_packed_in_bf16(forced, dense):
    low = resgraph.optimize(dense, opt_level=1, precision="bf16")
    recorder = Recorder(low)
    recorder.seen = {}
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = recorder.run(x)
    maps = {k: v for k, v in recorder.seen.items() if isinstance(v, torch.Tensor) and v.dim() == 4}
    assert maps.pop("x").dtype == torch.float32  # the caller's input, converted once at the entry
    assert all(v.dtype == torch.bfloat16 for v in maps.values()), {k: v.dtype for k, v in maps.items()}
    assert all(v.stride(1) == 1 for v in maps.values())  # NHWC, or a channel prefix of an NHWC buffer
    buffers = [k for k in maps if k.startswith("block_buffer")]
    assert buffers and all(maps[k].is_contiguous(memory_format=torch.channels_last) for k in buffers)
    assert out.dtype == torch.float32
    convs = [m for m in low.modules() if isinstance(m, FusedConv2d)]
    assert convs and all(m.weight.dtype == torch.bfloat16 for m in convs)
    packed = [w for m in convs for w in m._packed.values()]
    assert packed and all(w.dtype == torch.bfloat16 for w in packed)
    norms = [m for m in low.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert norms and all(m.running_var.dtype == torch.float32 for m in norms)  # norm5: unfolded, float32


def test_without_bf16_units_it_warns_and_keeps_float32(monkeypatch, cifar_resnet):
    monkeypatch.delenv(bf16_pass.FORCE_ENV, raising=False)
    monkeypatch.setattr(bf16_pass, "bf16_units", lambda device="cpu": None)
    with pytest.warns(RuntimeWarning, match="no bf16 units.*keeping float32.*RESGRAPH_BF16=force"):
        low = resgraph.optimize(cifar_resnet, opt_level=1, precision="bf16")
    assert low.meta["resgraph"]["precision"] == "fp32"
    assert all(t.dtype == torch.float32 for t in [*low.parameters(), *low.buffers()])
    assert low.meta["resgraph"]["explain"][-1] == {"pass": "bf16", "changes": [
        "kept float32: no bf16 units on this machine"]}
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(low(x), resgraph.optimize(cifar_resnet, opt_level=1)(x))


def test_fp32_is_the_default_and_runs_no_bf16_pass(cifar_resnet):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = resgraph.optimize(cifar_resnet, opt_level=1)
    assert module.meta["resgraph"]["precision"] == "fp32"
    assert "bf16" not in [r["pass"] for r in module.meta["resgraph"]["explain"]]


@pytest.mark.parametrize("call, message", [
    (lambda m: resgraph.optimize(m, opt_level=1, precision="fp16"), "precision must be one of 'fp32', 'bf16'"),
    (lambda m: resgraph.optimize(m, opt_level=0, precision="bf16"), "is for inference modules"),
    (lambda m: resgraph.optimize(m, opt_level=1, precision=16), "precision must be"),
    (lambda m: resgraph.compile("cifar_resnet20", precision="bf16"), "is for inference modules"),
])
def test_a_bad_precision_is_a_usage_error(cifar_resnet, call, message):
    with pytest.raises(UsageError, match=message):
        call(cifar_resnet)


def test_outputs_come_back_float32_whatever_their_structure():
    t = torch.ones(2, dtype=torch.bfloat16)
    out = bf16_pass.to_float32({"a": t, "b": (t, [t, torch.ones(1, dtype=torch.long)])})
    assert out["a"].dtype == out["b"][0].dtype == out["b"][1][0].dtype == torch.float32
    assert out["b"][1][1].dtype == torch.long and isinstance(out["b"][1], list)


@needs_onednn
@pytest.mark.skipif(not torch.ops.mkldnn._is_mkldnn_bf16_supported(), reason="oneDNN has no bf16 path here already")
def test_forced_where_onednn_has_no_bf16_path_it_runs_torchs_convolutions():
    """ONEDNN_MAX_CPU_ISA=AVX2 makes this machine an AVX2-only one to oneDNN: forcing bf16 there
    must still compute (torch's own bf16 convolutions), as accurately."""
    script = textwrap.dedent("""
        import torch, resgraph
        from resgraph.optimization.mkldnn_conv import FusedConv2d
        m = resgraph.compile("cifar_resnet20", seed=0).eval()
        x = torch.randn(8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
        low = resgraph.optimize(m, opt_level=1, precision="bf16")
        assert not torch.ops.mkldnn._is_mkldnn_bf16_supported()
        assert not any(c.onednn for c in low.modules() if isinstance(c, FusedConv2d))
        with torch.no_grad():
            want, got = m(x), low(x)
        print(((got - want).norm() / want.norm()).item(), (got.argmax(1) == want.argmax(1)).float().mean().item())
    """)
    env = {**__import__("os").environ, "ONEDNN_MAX_CPU_ISA": "AVX2", bf16_pass.FORCE_ENV: "force"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    rel, top1 = map(float, done.stdout.split())
    assert 0 < rel < 1e-2 and top1 == 1.0
