"""The compiled module works with the rest of PyTorch: TorchScript, torch.export, torch.compile,
device and dtype moves, channels_last."""

import os

import pytest
import torch

from resgraph.backend.fx import build_module
from resgraph.builder import Builder


def small_graph():
    """Every kind of fx node the ops make: modules, add, cat, getitem, pad, activations."""
    b = Builder("small")
    x = b.input(3, 16, 16)
    y = x.conv(8, 3, bias=False, name="conv1").bn(name="bn1").relu()
    with b.scope("stage"):
        f = y.conv(16, 3, 2, bias=False, name="conv1").bn(name="bn1").leaky_relu(0.1)
        y = f.add(y.subsample(2).pad_channels(16)).relu()
    z = b.concat(y, y.conv(4, 1, name="dense").silu(), name="cat").maxpool(2)
    return b.build(z.adaptive_avgpool(1).flatten().dropout(0.2).linear(5, name="fc"))


@pytest.fixture(scope="module")
def model():
    return build_module(small_graph(), seed=0).eval()


@pytest.fixture(scope="module")
def x():
    return torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))


def test_torchscript_script_and_trace(model, x):
    expected = model(x)
    with pytest.warns(UserWarning, match="TorchScript"):  # fx's annotations; harmless
        scripted = torch.jit.script(model)
    torch.testing.assert_close(scripted(x), expected)
    torch.testing.assert_close(torch.jit.trace(model, x)(x), expected)


def test_torch_export(model, x):
    exported = torch.export.export(model, (x,))
    torch.testing.assert_close(exported.module()(x), model(x))


# deselected by the default `-m "not slow"`; run it with
# RESGRAPH_TEST_INDUCTOR=1 python -m pytest -m slow tests/backend/test_with_pytorch.py -k inductor
@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RESGRAPH_TEST_INDUCTOR"), reason="inductor's C++ build takes 25-40 s on "
                    "2 cores; run it with RESGRAPH_TEST_INDUCTOR=1 python -m pytest -m slow "
                    "tests/backend/test_with_pytorch.py -k inductor")
def test_torch_compile_inductor_eval(model, x):
    torch._dynamo.reset()
    compiled = torch.compile(model)
    torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-4)


def test_torch_compile_training_step():
    model = build_module(small_graph(), seed=0).train()
    reference = build_module(small_graph(), seed=0).train()
    x = torch.randn(4, 3, 16, 16)
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="aot_eager")  # dynamo + autograd capture, no C++ build
    torch.manual_seed(0)
    compiled(x).sum().backward()
    torch.manual_seed(0)
    reference(x).sum().backward()
    torch.testing.assert_close(model.conv1.weight.grad, reference.conv1.weight.grad)
    torch.testing.assert_close(model.bn1.running_mean, reference.bn1.running_mean)


def test_device_move_to_meta_keeps_shapes(model, x):
    moved = build_module(small_graph(), seed=0).to("meta")
    y = moved(x.to("meta"))
    assert y.device.type == "meta" and y.shape == (2, 5)


def test_half_roundtrip_and_bfloat16_forward(model, x):
    m = build_module(small_graph(), seed=0).eval()
    expected = m(x)
    assert m.half().conv1.weight.dtype == torch.float16
    m.float()
    torch.testing.assert_close(m(x), expected, rtol=1e-2, atol=1e-2)  # fp16-rounded weights
    y = m.to(torch.bfloat16)(x.bfloat16())
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(y.float(), expected, rtol=0.05, atol=0.05)


def test_channels_last(model, x):
    m = build_module(small_graph(), seed=0).eval()
    expected = m(x)
    m = m.to(memory_format=torch.channels_last)
    assert m.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(m(x.contiguous(memory_format=torch.channels_last)), expected)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_default_device_and_move_give_the_same_model(x):
    cpu = build_module(small_graph(), seed=0).eval()
    with torch.device("cuda"):
        built = build_module(small_graph(), seed=0).eval()  # a seed means the same weights anywhere
    assert built.conv1.weight.device.type == "cuda"
    torch.testing.assert_close(built.state_dict(), cpu.cuda().state_dict(), rtol=0, atol=0)
    torch.testing.assert_close(built(x.cuda()).cpu(), cpu.cpu()(x), rtol=1e-4, atol=1e-4)
