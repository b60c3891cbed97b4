"""The GPU subset: compiled and optimized modules on CUDA agree with the CPU and with level 0.

Run on a CUDA machine with `python -m pytest -m gpu tests/test_gpu.py`; skipped elsewhere.
"""

import pytest
import torch

import resgraph

pytestmark = pytest.mark.gpu


@pytest.fixture(autouse=True)
def exact_float32():
    """TF32 would make CUDA convolutions differ from the CPU by ~1e-3; compare in true float32."""
    old = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = old


@pytest.mark.parametrize("name", ["resnet18", "densenet121"])
def test_cuda_output_equals_cpu_output(name):
    model = resgraph.compile(name, seed=0).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        got = model.cuda()(x.cuda()).cpu()
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["resnet50", "densenet121"])
def test_opt_level_1_on_cuda_equals_level_0(name):
    base = resgraph.compile(name, seed=0).eval().cuda()
    fast = resgraph.optimize(base, opt_level=1)
    x = torch.randn(4, 3, 96, 96, device="cuda")
    with torch.no_grad():
        torch.testing.assert_close(fast(x), base(x), rtol=1e-3, atol=1e-3)


def test_memory_efficient_densenet_gradients_on_cuda():
    # In float32, cuDNN's BatchNorm backward sums in another order than the recomputing path, and
    # BN bias gradients (sums that nearly cancel) then differ by up to ~1% relative. In float64 the
    # two agree to ~1e-14 on an H100: the pass is exact, so compare there.
    base = resgraph.compile("densenet_bc_100_k12", seed=0).cuda().double().train()
    lean = resgraph.optimize(base, opt_level=0, memory_efficient=True).train()
    x = torch.randn(8, 3, 32, 32, device="cuda", dtype=torch.float64)
    base(x).sum().backward()
    lean(x).sum().backward()
    grads = dict(base.named_parameters())
    for name, p in lean.named_parameters():
        expected = grads[name].grad
        error = (p.grad - expected).norm() / expected.norm().clamp_min(1e-30)
        assert error < 1e-10, f"{name}: relative gradient error {error:.2e}"


def test_bf16_autocast_training_step():
    model = resgraph.compile("resnet18", num_classes=10, seed=0).cuda().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 3, 64, 64, device="cuda"), torch.randint(0, 10, (8,), device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p).all() for p in model.parameters())
