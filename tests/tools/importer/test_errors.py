"""What the importer cannot write is an error that names the call, its module and what to do —
never a traceback, never a spec that computes something else."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import resgraph
from resgraph.errors import ConversionError, UsageError
from resgraph.ir.ops import registry
from resgraph.ir.ops.activation import Activation
from resgraph.tools.importer import writer
from tests.tools.importer.models import TinyResNet


def x(*shape):
    return torch.randn(2, *(shape or (3, 8, 8)), generator=torch.Generator().manual_seed(0))


class Sine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.sin(self.conv(x))


class Wrapper(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.body = inner

    def forward(self, x):
        return self.body(x)


def test_an_op_outside_the_registry_names_the_call_its_module_and_what_to_do():
    with pytest.raises(ConversionError) as err:
        resgraph.from_module(Wrapper(Sine()), x())
    message, hint = err.value.message, err.value.diagnostics[0].hint
    assert "torch.sin" in message and "body (tests.tools.importer.test_errors.Sine)" in message
    assert "register an op" in hint and "docs/plugins.md" in hint and 'opaque=["body"]' in hint


class Branchy(nn.Module):
    def forward(self, x):
        return x.relu() if x.sum() > 0 else x.sigmoid()


def test_data_dependent_control_flow_names_the_module():
    with pytest.raises(ConversionError) as err:
        resgraph.from_module(Wrapper(Branchy()), x())
    assert "cannot trace body (tests.tools.importer.test_errors.Branchy)" in err.value.message
    assert "--opaque body" in err.value.diagnostics[0].hint


class Gate(Activation):
    """An op of the user's that imports their module (a plugin would register it)."""

    name = "branchy_test"
    function_name = "relu"
    summary = "relu, as the test's Branchy module computes it on a positive input"

    def imports(self):
        return {Branchy: lambda call: {}}


def test_opaque_module_with_an_op_that_imports_it():
    """Marked opaque, a module whose forward cannot be traced is one call, which the op that
    imports its class reads (its class alone would do: an imported class is always one call)."""
    registry.register(Gate)
    try:
        graph = resgraph.from_module(Wrapper(Branchy()), x().abs(), opaque=["body"])
        assert [graph.op(n) for n in graph.topo_order()] == ["input", "branchy_test"]
    finally:
        registry.unregister("branchy_test")


class Reflect(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        return self.conv(x)


def test_a_setting_the_op_cannot_express_is_named():
    with pytest.raises(ConversionError) as err:
        resgraph.from_module(Reflect(), x())
    assert "conv (torch.nn.modules.conv.Conv2d)" in err.value.message
    assert "padding_mode='reflect'" in err.value.message


class Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(x))


def test_shared_weights_are_refused():
    with pytest.raises(ConversionError, match="conv is used twice"):
        resgraph.from_module(Shared(), x())


class WithHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.aux = nn.Linear(4, 2)  # as GoogLeNet's auxiliary heads: only used in training

    def forward(self, x):
        return self.conv(x)


def test_unused_tensors_are_refused_or_dropped_on_request():
    with pytest.raises(ConversionError) as err:
        resgraph.from_module(WithHead(), x())
    assert "2 tensors its forward" in err.value.message and "aux.weight" in err.value.message
    assert "drop_unused=True" in err.value.diagnostics[0].hint
    graph = resgraph.from_module(WithHead(), x(), drop_unused=True)
    assert any("left out: aux.weight, aux.bias" in w.message for w in graph.warnings)


class TwoOut(nn.Module):
    def forward(self, x):
        return x.relu(), x.sigmoid()


def test_several_outputs_are_refused():
    with pytest.raises(ConversionError, match="returns 2 tensors"):
        resgraph.from_module(TwoOut(), x())


def test_an_input_the_model_cannot_take():
    with pytest.raises(ConversionError, match="fails on the example input"):
        resgraph.from_module(TinyResNet(), x(4, 8, 8))


def test_bad_arguments_are_usage_errors():
    with pytest.raises(UsageError):
        resgraph.from_module("resnet50", x())
    with pytest.raises(UsageError):
        resgraph.from_module(TinyResNet(), [1, 2, 3])
    with pytest.raises(UsageError, match="cannot name a model"):
        resgraph.from_module(TinyResNet(), x(), name="model")


def test_a_spec_that_computes_something_else_is_never_returned(monkeypatch):
    """Should the recovered structure compute another function, the flat spec is written (with a
    warning); should that too, the import fails: the proof is the comparison of outputs."""
    real = writer.write

    def wrong(net, name, structure=True):
        text = real(net, name, structure)
        return text.replace("bias=false", "bias=false, stride=2", 1) if structure else text

    monkeypatch.setattr("resgraph.tools.importer.write", wrong)
    module = TinyResNet().eval()
    graph = resgraph.from_module(module, x(3, 16, 16))
    assert any("written flat" in w.message for w in graph.warnings)
    assert not any(s.kind == "block" for s in graph.scopes.values())
    monkeypatch.setattr("resgraph.tools.importer.write", lambda net, name, structure=True:
                        real(net, name, structure).replace("linear(10)", "linear(10, bias=false)"))
    with pytest.raises(ConversionError):
        resgraph.from_module(module, x(3, 16, 16))


def test_a_numbered_sequential_as_the_model_says_to_wrap_it():
    with pytest.raises(ConversionError) as err:
        resgraph.from_module(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), x())
    assert "the layer 0 (0 (torch.nn.modules.conv.Conv2d)) cannot be named" in err.value.message
    assert "self.net = nn.Sequential(...)" in err.value.diagnostics[0].hint
    graph = resgraph.from_module(Wrapper(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())), x())
    assert resgraph.to_rg(graph).count("body: [conv(4, 3, padding=0) -> relu]") == 1


class Doubled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(x) * 2


def test_a_merge_with_a_number_says_so():
    with pytest.raises(ConversionError, match="one operand is the number 2"):
        resgraph.from_module(Doubled(), x())


class Flattened(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 5)

    def forward(self, x, return_features: bool = False):
        y = nn.functional.dropout(self.conv(x), 0.3, self.training)
        return y if return_features else self.fc(y.view(y.size(0), -1))


def test_sizes_functional_dropout_and_defaulted_arguments_are_read():
    graph = resgraph.from_module(Flattened(), x())
    assert [graph.op(n) for n in graph.topo_order()] == ["input", "conv", "dropout", "flatten", "linear"]
    assert graph.attrs("conv").padding == 0 and graph.attrs("dropout").p == 0.3


class Twice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.relu()

    @staticmethod
    def backward(ctx, grad):
        return 2 * grad


class Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return Twice.apply(self.conv(x))


def test_a_custom_autograd_function_is_refused():
    """Its forward would import (a relu), but its backward is its own: no spec computes that."""
    with pytest.raises(ConversionError) as err:
        resgraph.from_module(Wrapper(Custom()), x())
    assert "custom autograd function (its forward at" in err.value.message and "test_errors.py:" in err.value.message
    assert "in body (tests.tools.importer.test_errors.Custom)" in err.value.message
