"""`-o OUT.py`: the standalone file runs where resgraph cannot be imported and computes the same thing."""

import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import resgraph
from resgraph.backend.codegen import to_python
from resgraph.errors import CompileError, UsageError
from resgraph.builder import Builder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def every_op_graph():
    """Ops the shipped specs do not all use: option A, both pools, 1-d BN, leaky ReLU, dropout."""
    b = Builder("every_op", options={"init": "torch"})
    x = b.input(3, 16, 16)
    y = x.conv(8, 3, dilation=2, name="conv1").bn(name="bn1").leaky_relu(0.1)
    f = y.conv(16, (3, 1), 2, (1, 0), groups=2, bias=False, name="conv2")
    y = f.add(y.subsample(2).pad_channels(16)).gelu().maxpool(3, 1, 1, ceil_mode=True)
    y = y.avgpool(2, padding=1, count_include_pad=False).silu().adaptive_avgpool(2).flatten()
    return b.build(y.linear(32, name="fc1").bn(name="bn2").tanh().dropout(0.3).linear(4, name="fc2"))


CASES = {
    "tiny_resnet": lambda: resgraph.load(EXAMPLES / "tiny_resnet.rg"),
    "tiny_densenet": lambda: resgraph.load(EXAMPLES / "tiny_densenet.rg"),
    "cifar_resnet20": lambda: resgraph.load("cifar_resnet20"),
    "densenet_bc_100_k12": lambda: resgraph.load("densenet_bc_100_k12"),
    "every_op": every_op_graph,
}

RUNNER = textwrap.dedent("""
    import importlib.util, json, sys
    sys.modules["resgraph"] = None  # importing resgraph (or anything under it) now fails
    import torch
    from safetensors.torch import load_file, save_file
    result = {}
    for case in json.loads(sys.argv[1]):
        spec = importlib.util.spec_from_file_location(case["module"], case["file"])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = getattr(mod, case["cls"])()
        model.load_state_dict(load_file(case["weights"]), strict=True)
        x = load_file(case["input"])["x"]
        torch.manual_seed(0)  # dropout's mask in training mode
        outputs = {"eval": model.eval()(x), "train": model.train()(x)}
        outputs.update({"state." + k: v for k, v in model.state_dict().items()})  # BN stats after train
        save_file({k: v.contiguous() for k, v in outputs.items()}, case["out"])
        result[case["module"]] = list(model.state_dict())
    print(json.dumps(result))
""")


@pytest.fixture
def one_thread():
    """Small models run faster on one thread, and a busy 2-core CI box stalls OpenMP's second one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield {**os.environ, "PYTHONPATH": "", "OMP_NUM_THREADS": "1"}
    torch.set_num_threads(threads)


def test_standalone_files_run_without_resgraph_and_match(tmp_path, one_thread):
    cases, expected = [], {}
    for name, make in CASES.items():
        graph = make()
        module = resgraph.compile(graph, seed=0)
        for m in module.modules():  # non-trivial BN statistics, so eval mode is a real check
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
        (tmp_path / f"{name}.py").write_text(to_python(module))
        save_file(dict(module.state_dict()), str(tmp_path / f"{name}.weights.safetensors"))
        x = torch.randn(2, *graph.type_of(graph.inputs[0]).dims())
        save_file({"x": x}, str(tmp_path / f"{name}.input.safetensors"))
        torch.manual_seed(0)
        outputs = {"eval": module.eval()(x), "train": module.train()(x)}
        outputs.update({"state." + k: v for k, v in module.state_dict().items()})
        expected[name] = (outputs, list(module.state_dict()))
        cases.append({"module": name, "file": str(tmp_path / f"{name}.py"), "cls": type(module).__name__,
                      "weights": str(tmp_path / f"{name}.weights.safetensors"),
                      "input": str(tmp_path / f"{name}.input.safetensors"),
                      "out": str(tmp_path / f"{name}.out.safetensors")})
    run = subprocess.run([sys.executable, "-I", "-c", RUNNER, json.dumps(cases)], cwd=tmp_path,
                         capture_output=True, text=True, env=one_thread, check=False)
    assert run.returncode == 0, run.stderr
    keys = json.loads(run.stdout)
    for name, (outputs, state_keys) in expected.items():
        assert keys[name] == state_keys, name
        got = load_file(str(tmp_path / f"{name}.out.safetensors"))
        for k, v in outputs.items():
            torch.testing.assert_close(got[k], v, msg=f"{name}: {k}")


def test_resgraph_is_really_blocked_in_the_runner(tmp_path):
    """The isolation the test above relies on: a file that imports resgraph fails there."""
    bad = tmp_path / "bad.py"
    bad.write_text("import resgraph\n")
    code = 'import sys; sys.modules["resgraph"] = None; exec(open(sys.argv[1]).read())'
    run = subprocess.run([sys.executable, "-I", "-c", code, str(bad)], capture_output=True, text=True, check=False)
    assert run.returncode != 0 and "resgraph" in run.stderr


def load_generated(tmp_path, module):
    path = tmp_path / "generated.py"
    path.write_text(to_python(module))
    spec = importlib.util.spec_from_file_location("generated", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, type(module).__name__)


def test_file_imports_only_torch_and_reads_like_the_spec(tmp_path):
    module = resgraph.compile(EXAMPLES / "tiny_resnet.rg", seed=0)
    source = to_python(module)
    imports = [ln for ln in source.splitlines() if ln.startswith(("import ", "from "))]
    assert imports == ["import torch", "from torch import nn"]
    assert 'getattr(self.layer2, "0").downsample = nn.Module()' in source
    assert 'getattr(self.layer2, "0").conv1 = nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)' in source
    assert "class TinyResnet(nn.Module):" in source and source == to_python(module)


def test_files_init_follows_the_specs_scheme_and_zero_init(tmp_path):
    module = resgraph.compile("resnet18", zero_init_residual=True, num_classes=10, input_shape=(3, 32, 32))
    torch.manual_seed(0)
    model = load_generated(tmp_path, module)()
    w = model.layer1[0].conv1.weight if hasattr(model.layer1, "__getitem__") else getattr(model.layer1, "0").conv1.weight
    assert w.std().item() == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.05)  # kaiming fan_out
    zeroed = {k for k, v in model.state_dict().items() if k.endswith("bn2.weight") and v.abs().sum() == 0}
    assert zeroed == {k for k in module.state_dict() if k.endswith("bn2.weight")} and len(zeroed) == 8


@pytest.mark.parametrize("name", ["resnet50", "resnext50_32x4d", "densenet121", "cifar_plain20"])
def test_zoo_files_build_the_same_layout(tmp_path, name):
    """Shapes only (meta device): same state_dict keys, order and shapes as the compiled module."""
    with torch.device("meta"):
        module = resgraph.compile(name)
        model = load_generated(tmp_path, module)()
    assert [(k, v.shape) for k, v in model.state_dict().items()] == [
        (k, v.shape) for k, v in module.state_dict().items()
    ]


def test_optimized_module_is_refused_with_a_hint():
    module = resgraph.compile(EXAMPLES / "tiny_resnet.rg", seed=0)
    with pytest.raises(UsageError, match="opt level 0") as exc:
        to_python(resgraph.optimize(module.eval(), opt_level=1))
    assert "optimize after loading" in exc.value.diagnostics[0].hint


class Unkept(torch.nn.Module):
    """Keeps no attribute named after its constructor argument: no file can rebuild it."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(n))


def test_layer_type_codegen_cannot_rebuild_is_a_compile_error():
    module = resgraph.compile(EXAMPLES / "tiny_resnet.rg", seed=0)
    module.fc = torch.nn.Bilinear(2, 2, 2)  # any torch.nn class is rebuilt from its signature
    assert "self.fc = nn.Bilinear(2, 2, 2)" in to_python(module)
    module.fc = Unkept(2)
    with pytest.raises(CompileError, match="cannot construct 'fc' \\(Unkept\\): its argument 'n' is not kept") as exc:
        to_python(module)
    assert "attributes of the same name" in exc.value.diagnostics[0].hint
