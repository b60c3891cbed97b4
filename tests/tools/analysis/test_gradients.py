"""Gradient norms at initialization on the compiled module, and their plot."""

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from tests.tools.analysis.nets import plain_chain, tiny_densenet, tiny_resnet

from resgraph.backend.fx import build_module
from resgraph.errors import UsageError
from resgraph.tools.analysis.gradients import gradient_norms, plot, random_input, spread


def test_norms_are_those_of_one_training_step():
    """Recompute dL/dW by hand the documented way: train mode, seeded input and labels, cross-entropy."""
    graph = tiny_resnet()
    grads = gradient_norms(graph, seed=3, batch_size=4)
    module = build_module(graph, seed=3).train()
    generator = torch.Generator().manual_seed(3)
    x = random_input(graph, 4, generator)
    labels = torch.randint(10, (4,), generator=generator)
    weights = [module.get_submodule(g.name).weight for g in grads]
    expected = torch.autograd.grad(F.cross_entropy(module(x), labels), weights)
    assert [g.norm for g in grads] == [float(e.norm()) for e in expected]
    assert [g.name for g in grads] == ["conv1", "layer1.0.conv1", "layer1.0.conv2", "fc"]
    assert [g.depth for g in grads] == [1, 2, 3, 4]


def test_deterministic_per_seed():
    a, b, c = (gradient_norms(tiny_densenet(), seed=s, batch_size=2) for s in (0, 0, 1))
    assert a == b and a != c


def test_spread_of_a_deep_plain_chain_exceeds_a_shallow_one():
    """Gradient magnitude changes layer by layer along a chain; more layers, more spread."""
    assert spread(gradient_norms(plain_chain(12), batch_size=2)) > spread(gradient_norms(plain_chain(2), batch_size=2))


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="plot() needs the plot extra")
    out = tmp_path / "g.png"
    plot({"tiny": gradient_norms(tiny_resnet(), batch_size=2)}, str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(UsageError) as err:
        plot({"tiny": []}, str(tmp_path / "g.png"))
    assert err.value.diagnostics[0].hint.startswith("pip install 'resgraph[plot]'")


def test_plot_that_cannot_be_written_is_a_usage_error():
    pytest.importorskip("matplotlib", reason="plot() needs the plot extra")
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc, where no file can be created")
    with pytest.raises(UsageError, match="cannot write the plot to '/proc/g.png'"):
        plot({"tiny": gradient_norms(tiny_resnet(), batch_size=2)}, "/proc/g.png")
