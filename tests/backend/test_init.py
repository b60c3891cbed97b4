"""Init schemes follow torchvision's conventions, zero_init survives every scheme, seeds are local."""

import math

import pytest
import torch

from resgraph.backend.fx import build_module
from resgraph.backend.init import DEFAULT_SCHEME
from resgraph.errors import CompileError, NameError_
from resgraph.builder import Builder


def graph(init=None):
    b = Builder("net", options={} if init is None else {"init": init})
    y = b.input(64, 16, 16).conv(128, 3, bias=False, name="conv").bn(name="bn")
    y = y.relu().conv(128, 3, name="conv_b").bn(name="bn_zero", zero_init=True)
    return b.build(y.adaptive_avgpool(1).flatten().linear(512, name="fc"))


def build(init=None, seed=0):
    return build_module(graph(init), seed=seed)


def std_ratio(w, expected):
    return w.std().item() / expected


def test_default_scheme_is_kaiming_fan_out():
    assert DEFAULT_SCHEME == "kaiming_fan_out"
    assert torch.equal(build(None).conv.weight, build("kaiming_fan_out").conv.weight)


def test_kaiming_fan_out_is_torchvision_resnets_init():
    m = build("kaiming_fan_out")
    fan_out = 128 * 3 * 3
    assert std_ratio(m.conv.weight, math.sqrt(2 / fan_out)) == pytest.approx(1, abs=0.02)
    assert abs(m.conv.weight.mean().item()) < 0.002
    bound = 1 / math.sqrt(128)  # linear keeps PyTorch's default: U(-1/sqrt(fan_in), ..)
    assert m.fc.weight.abs().max() <= bound and m.fc.bias.abs().max() <= bound
    assert m.fc.bias.abs().sum() > 0
    fan_in_b = 128 * 9  # conv_b has a bias, which keeps its default too
    assert 0 < m.conv_b.bias.abs().max() <= 1 / math.sqrt(fan_in_b)


def test_kaiming_fan_in_is_torchvision_densenets_init():
    m = build("kaiming_fan_in")
    fan_in = 64 * 3 * 3
    assert std_ratio(m.conv.weight, math.sqrt(2 / fan_in)) == pytest.approx(1, abs=0.02)
    assert torch.all(m.fc.bias == 0)


def test_torch_scheme_is_pytorchs_default():
    m = build("torch")
    fan_in = 64 * 3 * 3
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_ with a=sqrt(5)
    assert m.conv.weight.abs().max() <= bound
    assert std_ratio(m.conv.weight, bound / math.sqrt(3)) == pytest.approx(1, abs=0.02)


@pytest.mark.parametrize("init", ["kaiming_fan_out", "kaiming_fan_in", "torch"])
def test_bn_is_one_and_zero_and_zero_init_survives_every_scheme(init):
    m = build(init)
    assert torch.all(m.bn.weight == 1) and torch.all(m.bn.bias == 0)
    assert torch.all(m.bn_zero.weight == 0) and torch.all(m.bn_zero.bias == 0)
    assert torch.all(m.bn.running_mean == 0) and torch.all(m.bn.running_var == 1)
    assert m.bn.num_batches_tracked.item() == 0


def test_unknown_scheme_suggests_the_closest():
    """Refused by the checker already; compile refuses it too where options change after checking."""
    with pytest.raises(NameError_, match="unknown init scheme 'kaiming_fanout'") as exc:
        build("kaiming_fanout")
    assert "did you mean 'kaiming_fan_out'?" in exc.value.diagnostics[0].hint
    g = graph()
    g.options["init"] = "kaiming_fanout"
    with pytest.raises(CompileError, match="unknown init scheme 'kaiming_fanout'") as exc:
        build_module(g)
    assert "did you mean 'kaiming_fan_out'?" in exc.value.diagnostics[0].hint


def test_every_scheme_the_checker_accepts_is_defined():
    from resgraph.backend.init import SCHEMES
    from resgraph.ir.options import INIT_SCHEMES

    assert tuple(SCHEMES) == INIT_SCHEMES and DEFAULT_SCHEME in SCHEMES


def test_seed_reproduces_weights_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a, b, c = build(seed=1), build(seed=1), build(seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    torch.testing.assert_close(a.state_dict(), b.state_dict(), rtol=0, atol=0)
    assert not torch.equal(a.conv.weight, c.conv.weight)


def test_without_seed_the_global_rng_decides_like_torch_modules_do():
    torch.manual_seed(7)
    a = build(seed=None)
    torch.manual_seed(7)
    b = build(seed=None)
    assert torch.equal(a.conv.weight, b.conv.weight)
    assert not torch.equal(a.conv.weight, build(seed=None).conv.weight)


def test_no_tensor_is_left_uninitialized():
    """Layers are made on the meta device; every tensor must be filled after materializing."""
    for init in ("kaiming_fan_out", "kaiming_fan_in", "torch"):
        for name, t in build(init).state_dict().items():
            assert torch.isfinite(t.float()).all(), name
            assert t.float().abs().max() < 10, name


@pytest.mark.torchvision
@pytest.mark.parametrize("name", ["resnet18", "densenet121"])
def test_same_init_as_torchvision_tensor_by_tensor(name):
    """Deterministic tensors (BN, zero biases) equal torchvision's; random ones have its spread.

    Run where torchvision is installed: /opt/tvenv/bin/python -m pytest tests/backend/test_init.py
    """
    torchvision = pytest.importorskip("torchvision")
    import resgraph

    torch.manual_seed(0)
    reference = getattr(torchvision.models, name)().state_dict()
    ours = resgraph.compile(name, seed=0).state_dict()
    assert list(ours) == list(reference)
    for key, value in ours.items():
        ref = reference[key]
        if torch.equal(value, ref):
            continue
        assert value.numel() >= 1000 and ref.std() > 0, key  # random on both sides
        assert std_ratio(value, ref.std().item()) == pytest.approx(1, abs=0.1), key
        assert value.abs().max() <= ref.abs().max() * 1.5, key


def test_seeded_compiles_agree_in_any_thread():
    """8 threads x 3 seeded compiles: one set of weights (a forked global RNG gave 22 different ones)."""
    from concurrent.futures import ThreadPoolExecutor

    g = graph()
    reference = build_module(g, seed=0).state_dict()
    barrier = __import__("threading").Barrier(8)

    def work(_):
        barrier.wait()
        return [build_module(g, seed=0).state_dict() for _ in range(3)]

    with ThreadPoolExecutor(8) as pool:
        results = [sd for batch in pool.map(work, range(8)) for sd in batch]
    assert len(results) == 24
    for sd in results:
        torch.testing.assert_close(sd, reference, rtol=0, atol=0)


def test_seeded_compile_leaves_another_threads_stream_alone():
    """A thread drawing from the global RNG gets the same numbers whether or not seeded compiles run."""
    import threading
    import time

    def draws():
        torch.manual_seed(123)
        out = []
        for _ in range(100):
            out.append(torch.rand(10))
            time.sleep(0.002)  # let the compiling thread run in between
        return torch.cat(out)

    expected = draws()
    running, stop = threading.Event(), threading.Event()

    def compile_loop():
        while not stop.is_set():
            build(seed=5)
            running.set()

    worker = threading.Thread(target=compile_loop)
    worker.start()
    try:
        running.wait(30)
        got = draws()
    finally:
        stop.set()
        worker.join()
    assert torch.equal(got, expected)


@pytest.mark.parametrize("init", ["kaiming_fan_out", "kaiming_fan_in", "torch"])
def test_seeded_defaults_follow_pytorchs_rules(init):
    """The defaults restated for the local generator have reset_parameters' distributions."""
    b = Builder("wide", options={"init": init})
    y = b.input(256, 8, 8).conv(256, 3, name="conv").adaptive_avgpool(1).flatten()
    m = build_module(b.build(y.linear(1024, name="fc")), seed=3)
    for layer, fan_in in ((m.fc, 256), (m.conv, 256 * 9)):
        bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) and the bias rule
        if not (init != "torch" and layer is m.conv):  # He init replaces the conv weight
            assert layer.weight.abs().max() <= bound
            assert std_ratio(layer.weight, bound / math.sqrt(3)) == pytest.approx(1, abs=0.02)
        if not (init == "kaiming_fan_in" and layer is m.fc):  # DenseNet's linear bias is 0
            assert 0 < layer.bias.abs().max() <= bound
            assert std_ratio(layer.bias, bound / math.sqrt(3)) == pytest.approx(1, abs=0.15)
    assert torch.all(m.fc.bias == 0) == (init == "kaiming_fan_in")


def test_seed_none_equals_pytorchs_reset_parameters_on_the_global_rng():
    """Unseeded weights are exactly what torch's own reset_parameters draws after manual_seed."""
    torch.manual_seed(11)
    ours = build("torch", seed=None)
    torch.manual_seed(11)
    for path in ("conv", "conv_b", "fc"):  # the order the module tree is initialized in
        ref = ours.get_submodule(path)
        fresh = type(ref)(*{"conv": (64, 128, 3), "conv_b": (128, 128, 3), "fc": (128, 512)}[path],
                          **({"bias": False} if path == "conv" else {}))
        assert torch.equal(fresh.weight, ref.weight), path


def test_seeded_weights_are_bit_identical_to_the_table_era():
    """Recorded from main before the defaults moved from backend/init.py's table into the op entries."""
    sd = __import__("resgraph").compile("resnet18", seed=0).state_dict()
    assert float(sum(t.double().sum() for t in sd.values())) == 9545.965494597307
    assert float(sum(t.double().abs().sum() for t in sd.values())) == 240655.74467508495
    assert sd["conv1.weight"].flatten()[:3].tolist() == [-0.02843174897134304, -0.02910148911178112,
                                                        -0.006328064948320389]
    assert sd["fc.bias"].flatten()[:3].tolist() == [-0.017327722162008286, -0.04316460341215134,
                                                   0.008684394881129265]
    assert sd["layer4.1.conv2.weight"].flatten()[:3].tolist() == [-0.026899276301264763, 0.03995846211910248,
                                                                 0.0004482366784941405]
    # under "torch" every default draws: conv with bias, bias-free conv, 2-d and 1-d bn, linear
    m = __import__("resgraph").compile(__import__("resgraph").loads("""model t { input x[3, 8, 8]
        option init = "torch"
        out = x -> conv(4, 3) -> bn -> relu -> conv(6, 1, bias=false) -> adaptive_avgpool(1) -> flatten
              -> bn -> linear(5) }"""), seed=0)
    sums = {k: float(v.double().sum()) for k, v in m.state_dict().items()}
    assert sums["conv.weight"] == -0.7475195649312809 and sums["conv.bias"] == 0.053672933019697666
    assert sums["conv_1.weight"] == -1.3948984146118164
    assert sums["out.weight"] == -1.4897720685694367 and sums["out.bias"] == -0.067647535353899
    assert sums["bn.running_var"] == 4.0 and sums["bn_1.weight"] == 6.0 and sums["bn_1.bias"] == 0.0


def test_a_module_with_tensors_and_no_init_rule_names_the_op():
    import resgraph
    from resgraph.ir.ops.base import NoAttrs, OpDef

    class Bare(torch.nn.Module):  # no reset_parameters
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.empty(3))

        def forward(self, x):
            return x

    class BareOp(OpDef):
        name = "test_bare"
        attrs = NoAttrs

        def emit(self, b, a, inputs, types, out):
            return b.module(Bare(), inputs[0])

    resgraph.register_op(BareOp)
    try:
        with pytest.raises(CompileError, match="cannot initialize 'b': op 'test_bare' makes a Bare") as exc:
            resgraph.compile(resgraph.loads("model m { input x[3, 8, 8]\n out = x -> b: test_bare }"))
        assert "give the OpDef of 'test_bare' an `init" in exc.value.diagnostics[0].hint
        assert exc.value.diagnostics[0].span is not None
    finally:
        resgraph.unregister_op("test_bare")
