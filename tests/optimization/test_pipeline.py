"""resgraph.optimize as a whole: every zoo model keeps its outputs, the caller's module is untouched."""

from __future__ import annotations


import pytest
import torch
from torch import nn

import resgraph
from resgraph.errors import UsageError
from resgraph.optimization import compile_module
from resgraph.optimization.pipeline import INFERENCE, NOT_PORTABLE, format_report, passes_for
from resgraph.zoo import model_names

from tests.optimization.helpers import randomized, same_outputs


def small_input(name: str) -> torch.Tensor:
    size = 32 if name.startswith("cifar") else 64
    return torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", model_names())
def test_level1_equals_level0_on_every_zoo_model(name):
    m = randomized(resgraph.compile(name, seed=0), gain=(0.2, 0.6))
    o = resgraph.optimize(m, opt_level=1)
    x = small_input(name)
    with torch.no_grad():
        ref, got = m(x), o(x)
    scale = ref.abs().max().item()
    assert 0 < scale < float("inf")
    torch.testing.assert_close(got, ref, rtol=1e-3, atol=1e-4 * scale)


def test_optimize_copies_and_keeps_trained_weights():
    m = resgraph.compile("resnet18", seed=0)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    x = small_input("resnet18")
    for _ in range(2):  # a little training moves weights and running statistics
        opt.zero_grad()
        m(x).square().mean().backward()
        opt.step()
    m.eval()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    code = m.code
    o = resgraph.optimize(m, opt_level=1)
    assert m.code == code and all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    assert m.meta["resgraph"]["opt_level"] == 0 and o.meta["resgraph"]["opt_level"] == 1
    with torch.no_grad():
        torch.testing.assert_close(o(x), m(x), rtol=1e-3, atol=1e-3)


def test_explain_names_each_pass_and_what_it_changed(capsys):
    o = resgraph.optimize(resgraph.compile("densenet121", seed=0), opt_level=1, explain=True)
    report = o.meta["resgraph"]["explain"]
    assert [r["pass"] for r in report] == [name for name, _ in INFERENCE]
    by_pass = {r["pass"]: r["changes"] for r in report}
    assert "folded features.denseblock1.denselayer1.norm2 into features.denseblock1.denselayer1.conv1" in by_pass["fold_bn"]
    assert len(by_pass["dense_buffer"]) == 4  # one buffer per dense block
    printed = capsys.readouterr().err
    assert printed.strip() == format_report(report) and "dense_buffer: 4 change(s)" in printed


def test_levels_and_options_are_checked():
    assert passes_for(0) == []
    assert [n for n, _ in passes_for(0, memory_efficient=True)] == ["memory_efficient"]
    with pytest.raises(UsageError):
        passes_for(3)
    with pytest.raises(UsageError, match="memory_efficient is for training"):
        passes_for(1, memory_efficient=True)
    once = resgraph.optimize(resgraph.compile("resnet18", seed=0), opt_level=1)
    with pytest.raises(UsageError, match="opt_level=0 module"):
        resgraph.optimize(once, opt_level=1)


def test_portable_level1_keeps_to_the_passes_that_change_the_math():
    portable = [n for n, _ in passes_for(1, portable=True)]
    assert portable == ["drop_dropout", "fold_bn", "fold_bn_relu", "pool_first"]
    assert portable == [n for n, _ in INFERENCE if n not in NOT_PORTABLE]
    m = randomized(resgraph.compile("densenet121", seed=0), gain=(0.2, 0.6))
    o = resgraph.optimize(m, opt_level=1, portable=True)
    assert [r["pass"] for r in o.meta["resgraph"]["explain"]] == portable
    assert o.meta["resgraph"]["portable"] and not resgraph.optimize(m, opt_level=1).meta["resgraph"]["portable"]
    x = small_input("densenet121")
    with torch.no_grad():
        torch.testing.assert_close(o(x), m(x), rtol=1e-3, atol=1e-4 * m(x).abs().max().item())
    with pytest.raises(UsageError, match="cannot skip mkldnn_conv: opt_level 1 portable runs drop_dropout"):
        passes_for(1, skip=["mkldnn_conv"], portable=True)
    with pytest.raises(UsageError, match="portable is for export"):
        passes_for(2, portable=True)


def test_level2_falls_back_to_level1_with_a_clear_message(monkeypatch):
    def broken(module):
        def call(*args):
            raise RuntimeError("no C++ compiler")
        return call

    monkeypatch.setattr(compile_module.torch, "compile", broken)
    monkeypatch.setattr(compile_module, "cannot_compile", lambda gm: None)
    monkeypatch.setattr(compile_module, "runs_on_onednn", lambda gm: False)
    m = randomized(resgraph.compile("resnet18", seed=0))
    o2 = resgraph.optimize(m, opt_level=2)
    x = small_input("resnet18")
    with pytest.warns(RuntimeWarning, match="torch.compile failed .*no C\\+\\+ compiler.*-O1 module"):
        with torch.no_grad():
            got = o2(x)
    with torch.no_grad():
        torch.testing.assert_close(got, m(x), rtol=1e-3, atol=1e-3)
    assert o2.meta["resgraph"]["opt_level"] == 2


def test_skip_leaves_named_passes_out_and_rejects_unknown_ones():
    m = resgraph.compile("resnet18", seed=0).eval()
    o = resgraph.optimize(m, opt_level=1, skip=["inplace_relu", "pool_first"])
    ran = [r["pass"] for r in o.meta["resgraph"]["explain"]]
    assert ran == [name for name, _ in INFERENCE if name not in ("inplace_relu", "pool_first")]
    with pytest.raises(UsageError, match="cannot skip fold_everything: opt_level 1 runs drop_dropout, fold_bn"):
        resgraph.optimize(m, opt_level=1, skip=["fold_everything"])
    with pytest.raises(UsageError, match="opt_level 0 runs no passes"):
        resgraph.optimize(m, opt_level=0, skip=["fold_bn"])


def test_level2_keeps_the_onednn_module_on_cpu():
    m = resgraph.compile("resnet18", seed=0).eval()
    o2 = resgraph.optimize(m, opt_level=2)
    if not compile_module.runs_on_onednn(o2):
        pytest.skip("no oneDNN on this CPU")
    assert isinstance(o2, torch.fx.GraphModule)  # the level-1 module itself, not a compiled wrapper
    assert o2.meta["resgraph"]["explain"][-1]["changes"] == [f"skipped: {compile_module.ONEDNN}"]
    with torch.no_grad():
        torch.testing.assert_close(o2(small_input("resnet18")), m(small_input("resnet18")), rtol=1e-3, atol=1e-3)


def test_level2_says_why_it_cannot_compile(monkeypatch):
    monkeypatch.setattr(compile_module, "cannot_compile", lambda gm: "no C++ compiler on PATH")
    monkeypatch.setattr(compile_module, "runs_on_onednn", lambda gm: False)
    with pytest.warns(RuntimeWarning, match="no C\\+\\+ compiler on PATH; using the -O1 module"):
        o2 = resgraph.optimize(resgraph.compile("resnet18", seed=0), opt_level=2)
    assert o2.meta["resgraph"]["explain"][-1] == {"pass": "torch.compile",
                                                  "changes": ["skipped: no C++ compiler on PATH"]}


@pytest.mark.torchvision
def test_level1_with_torchvision_weights_matches_torchvision():
    models = pytest.importorskip("torchvision.models")
    for name in ("resnet18", "densenet121"):
        tv = randomized(getattr(models, name)())
        m = resgraph.compile(name, seed=0)
        m.load_state_dict(tv.state_dict())
        o = resgraph.optimize(m.eval(), opt_level=1)
        x = small_input(name)
        with torch.no_grad():
            torch.testing.assert_close(o(x), tv(x), rtol=1e-3, atol=1e-3)


def test_passes_leave_a_layer_called_from_two_places_alone():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn, self.conv = nn.BatchNorm2d(8), nn.Conv2d(8, 8, 1)

        def forward(self, x):
            return self.conv(torch.relu(self.bn(x))) + self.bn(x) * 2 + self.conv(x)

    m = randomized(Shared())
    gm = torch.fx.symbolic_trace(m)
    o = resgraph.optimize(gm, opt_level=1)
    assert isinstance(o.get_submodule("bn"), nn.BatchNorm2d)
    same_outputs(m, o, torch.randn(2, 8, 4, 4))
