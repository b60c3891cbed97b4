"""save_model / load_model: spec text + safetensors, exact round trip, no code executed on load."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import resgraph
from resgraph.errors import UsageError, WeightsError
from resgraph.builder import Builder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

LIB = """
block unit(c: int) {
    out = in -> conv: conv(c, 3, bias=false) -> bn: bn -> relu
}
"""
MAIN = """
import "lib/blocks.rg"
model net(width: int = 4, pair: list = [1, 2]) {
    input x[3, 8, 8]
    out = x -> stem: unit(width) -> body: unit(width * pair[1]) -> adaptive_avgpool(1) -> flatten
              -> head: linear(3) -> dropout(0.1)
}
"""


@pytest.fixture
def spec(tmp_path):
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "lib" / "blocks.rg").write_text(LIB)
    (tmp_path / "src" / "net.rg").write_text(MAIN)
    return tmp_path / "src" / "net.rg"


def trained(module, steps=2):
    """Weights and BN statistics that differ from any fresh init."""
    opt = torch.optim.SGD(module.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        module(torch.randn(4, *module.meta["resgraph"]["graph"].type_of("x").dims())).square().mean().backward()
        opt.step()
    return module


def assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and torch.equal(sa[k], sb[k]), k


def test_round_trip_is_exact_with_parameters_imports_and_buffers(spec, tmp_path):
    module = trained(resgraph.compile(spec, width=6, seed=0))
    assert module.stem.bn.num_batches_tracked.item() == 2
    out = resgraph.save_model(module, tmp_path / "saved")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "manifest.json", "model.rg", "weights.safetensors"]
    assert "block unit(" in (out / "model.rg").read_text()  # self-contained: the imported block is in it
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["params"] == {"width": 6, "pair": [1, 2]} and manifest["input_shape"] == [3, 8, 8]
    shutil.rmtree(tmp_path / "src")  # the saved copy must be self-contained
    loaded = resgraph.load_model(out)
    assert_same_state(loaded, module)
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(loaded.eval()(x), module.eval()(x), rtol=0, atol=0)
    assert loaded.code == module.code


def test_nothing_is_a_pickle(spec, tmp_path):
    out = resgraph.save_model(resgraph.compile(spec, seed=0), tmp_path / "saved")
    for path in out.rglob("*"):
        if path.is_file():
            head = path.read_bytes()[:2]
            assert head[:1] != b"\x80" and head != b"PK", path  # pickle protocol / torch zip


def test_zoo_model_and_input_shape_override_round_trip(tmp_path):
    module = resgraph.compile("cifar_resnet20", input_shape=(3, 16, 16), seed=0)
    loaded = resgraph.load_model(resgraph.save_model(module, tmp_path / "saved"))
    assert_same_state(loaded, module)
    assert loaded.meta["resgraph"]["graph"].type_of("x").dims() == (3, 16, 16)


def test_text_spec_round_trips(tmp_path):
    module = resgraph.compile(resgraph.loads((EXAMPLES / "tiny_resnet.rg").read_text(), num_classes=4))
    out = resgraph.save_model(module, tmp_path / "saved")
    assert "num_classes: int = 4" in (out / "model.rg").read_text()  # the value used, as the default
    assert_same_state(resgraph.load_model(out), module)


def test_builder_graph_round_trips_through_its_printed_spec(tmp_path):
    b = Builder("py")
    x = b.input(3, 8, 8)
    with b.scope("body"):
        y = x.conv(4, 3, name="conv").bn(name="bn").relu()
    module = trained(resgraph.compile(b.build(b.concat(x, y).conv(2, 1, name="head")), seed=0))
    out = resgraph.save_model(module, tmp_path / "saved")
    loaded = resgraph.load_model(out)
    assert_same_state(loaded, module)
    t = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(loaded.eval()(t), module.eval()(t), rtol=0, atol=0)


def test_bfloat16_model_comes_back_in_bfloat16(spec, tmp_path):
    module = resgraph.compile(spec, seed=0).to(torch.bfloat16)
    loaded = resgraph.load_model(resgraph.save_model(module, tmp_path / "saved"))
    assert loaded.stem.conv.weight.dtype == torch.bfloat16
    assert_same_state(loaded, module)


def test_changed_spec_lists_missing_unexpected_and_mismatched(spec, tmp_path):
    out = resgraph.save_model(resgraph.compile(spec, seed=0), tmp_path / "saved")
    text = (out / "model.rg").read_text()
    assert "head: linear(3)" in text and "stem: unit" in text
    (out / "model.rg").write_text(text.replace("head: linear(3)", "head: linear(5)")
                                  .replace("stem: unit", "trunk: unit"))
    with pytest.raises(WeightsError) as exc:
        resgraph.load_model(out)
    message = str(exc.value)
    assert "6 missing:\n  trunk.conv.weight\n  trunk.bn.weight" in message
    assert "6 unexpected:\n  stem.bn.bias\n  stem.bn.num_batches_tracked" in message
    assert "2 mismatched:\n  head.weight: saved [3, 8] torch.float32, spec wants [5, 8] torch.float32" in message
    assert "the spec or its parameters changed" in message


def test_tampered_weights_are_reported(spec, tmp_path):
    out = resgraph.save_model(resgraph.compile(spec, seed=0), tmp_path / "saved")
    tensors = load_file(str(out / "weights.safetensors"))
    tensors["extra"] = torch.zeros(1)
    tensors["stem.bn.num_batches_tracked"] = torch.zeros(())  # a float where an int belongs
    save_file(tensors, str(out / "weights.safetensors"))
    with pytest.raises(WeightsError, match=r"1 unexpected:\n  extra\n1 mismatched:\n  stem.bn.num_batches"):
        resgraph.load_model(out)
    (out / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(WeightsError, match="cannot read weights"):
        resgraph.load_model(out)


def test_damaged_manifest_and_missing_directory(spec, tmp_path):
    with pytest.raises(UsageError, match="manifest.json is missing"):
        resgraph.load_model(tmp_path / "nothing")
    out = resgraph.save_model(resgraph.compile(spec, seed=0), tmp_path / "saved")
    (out / "manifest.json").write_text('{"format": "resgraph-model"}')
    with pytest.raises(WeightsError, match="is damaged"):
        resgraph.load_model(out)
    (out / "manifest.json").write_text(json.dumps({
        "format": "resgraph-model", "version": 99, "model": "net", "spec": "model.rg",
        "params": {}, "input_shape": [3, 8, 8]}))
    with pytest.raises(WeightsError, match="version 99"):
        resgraph.load_model(out)


def test_save_refuses_what_it_cannot_round_trip(spec, tmp_path):
    module = resgraph.compile(spec, seed=0)
    with pytest.raises(UsageError, match="optimized"):
        resgraph.save_model(resgraph.optimize(module.eval(), opt_level=1), tmp_path / "a")
    with pytest.raises(UsageError, match="save_model expects a module compiled by resgraph"):
        resgraph.save_model(torch.nn.Linear(2, 2), tmp_path / "c")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a saved resgraph model"):
        resgraph.save_model(module, tmp_path / "d")


def test_saving_again_replaces_the_old_spec(spec, tmp_path):
    out = tmp_path / "saved"
    resgraph.save_model(resgraph.compile(spec, seed=0), out)
    module = resgraph.compile(EXAMPLES / "tiny_resnet.rg", seed=0)
    resgraph.save_model(module, out)
    assert "model tiny_resnet(" in (out / "model.rg").read_text()
    assert_same_state(resgraph.load_model(out), module)
