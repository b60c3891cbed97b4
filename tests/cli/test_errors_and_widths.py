"""The CLI as a new user meets it: clean located errors (never a traceback), usage errors exit 2,
outputs written whole or not at all, and tables that fit the terminal without cutting a name or
a number."""

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import resgraph
from resgraph.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TINY = str(EXAMPLES / "tiny_resnet.rg")


def run(*args, columns=None):
    env = {"COLUMNS": str(columns)} if columns else {}
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def assert_clean(result, code, *fragments):
    """Exit `code`, no traceback, and each fragment in what the user sees."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in result.output, result.output


# -- compile -o --------------------------------------------------------------------------------------


@pytest.mark.parametrize("where, says", [
    ("missing/net.py", "the directory {tmp}/missing does not exist"),
    ("file.txt/net.py", "{tmp}/file.txt is a file, not a directory"),
    (".", "is a directory, not a file to write"),
])
def test_compile_output_paths_that_cannot_be_written(tmp_path, where, says):
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / where
    result = run("compile", TINY, "-o", out)
    assert_clean(result, 2, f"{out}: error: ", says.format(tmp=tmp_path))
    assert "compiled" not in result.output  # refused before the work


def test_compile_onto_a_proc_file_is_a_clean_error():
    result = run("compile", TINY, "-o", "/proc/version")
    assert_clean(result, 2, "/proc/version: error: cannot write a file in /proc")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_compile_into_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert_clean(run("compile", TINY, "-o", ro / "net.py"), 2, "error: cannot write a file in")
    finally:
        ro.chmod(0o755)
    assert list(ro.iterdir()) == []


def test_compile_output_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "net.py"
    out.write_text("previous\n")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert_clean(run("compile", TINY, "-o", out), 2, f"{out}: error: ", "No space left on device")
    assert out.read_text() == "previous\n" and sorted(p.name for p in tmp_path.iterdir()) == ["net.py"]
    monkeypatch.undo()
    assert_clean(run("compile", TINY, "-o", out), 0, f"wrote {out}")
    assert "class TinyResnet(nn.Module):" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.py"]
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_viz_output_directory_is_a_located_error(tmp_path):
    assert_clean(run("viz", TINY, "-o", tmp_path), 2, f"{tmp_path}: error: is a directory",
                 str(tmp_path / "model.svg"))


# -- devices, bench, check ----------------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_compare_on_a_missing_cuda_device():
    result = run("compare", TINY, TINY, "--no-gradients", "--time", "--device", "cuda")
    assert_clean(result, 2, "error: --device cuda: this torch sees no CUDA device", "help: use --device cpu")


@pytest.mark.parametrize("device", ["bogus", "cuda:x", "meta", ""])
def test_compare_on_a_bogus_device(device):
    result = run("compare", TINY, TINY, "--no-gradients", "--time", "--device", device)
    assert_clean(result, 2, f"error: --device expects cpu, cuda or cuda:N, got '{device}'")


@pytest.mark.parametrize("args, says", [
    (["resnet18", "--size", "0"], "Invalid value for '--size'"),
    (["resnet18", "--size", "-4"], "Invalid value for '--size'"),
    (["resnet18", "--batch", "0"], "Invalid value for '--batch'"),
    (["nosuch"], "error: no eager reference for nosuch"),
    (["densenet121", "--size", "8"], "error: --size 8 does not fit densenet121"),
    (["resnet18", "--device", "bogus"], "error: --device expects cpu, cuda or cuda:N"),
])
def test_bench_usage_errors_exit_2_before_any_work(tmp_path, args, says):
    result = run("bench", *args, "--json", tmp_path / "bench.json")
    assert_clean(result, 2, says)
    assert not (tmp_path / "bench.json").exists()


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_check_of_a_file_with_nothing_in_it_is_an_error(tmp_path, text):
    path = tmp_path / "empty.rg"
    path.write_text(text)
    result = run("check", path)
    assert_clean(result, 1, f"{path}: error: defines no model and no block: there is nothing to check")
    assert "ok" not in result.stdout


def test_check_of_a_block_library_names_its_blocks(tmp_path):
    path = tmp_path / "lib.rg"
    path.write_text("block b(c: int) {\n    out = in -> conv(c, 3)\n}\n")
    assert_clean(run("check", path), 0, f"{path}: ok, no models; 1 block: b")


# -- tables that fit ---------------------------------------------------------------------------------

WIDTHS = [60, 80, 100]


def tokens(text: str) -> set[str]:
    """Words, less rules and histogram bars (whose lengths follow the width)."""
    return {t for line in text.splitlines() if not set(line.strip()) <= {"━", "─"} for t in line.split()
            if set(t) != {"█"}}


@functools.lru_cache(maxsize=None)
def wide_tokens(args: tuple) -> frozenset:
    """What the rendering with room for everything (one line per row) shows."""
    wide = run(*args, columns=1000)
    assert wide.exit_code == 0, wide.output
    return frozenset(tokens(wide.stdout))


def check_fits(args, width, required):
    """At `width`: no line longer, every required name/number present as a whole token, and no
    token that the wide rendering does not have: nothing cut or folded."""
    wide = wide_tokens(tuple(args))
    assert required <= wide
    out = run(*args, columns=width)
    assert out.exit_code == 0, out.output
    longest = max(len(line) for line in out.stdout.splitlines())
    assert longest <= width, f"a line of {longest} columns at {width}:\n{out.stdout}"
    assert "…" not in out.stdout
    assert required <= tokens(out.stdout), sorted(required - tokens(out.stdout))[:10]
    assert tokens(out.stdout) <= wide, sorted(tokens(out.stdout) - wide)[:10]


ZOO = ["zoo", "resnet", "cifar_densenet"]  # the longest names and counts, in a few seconds


@pytest.fixture(scope="module")
def zoo_json():
    result = run(*ZOO, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_zoo_json_has_every_model_and_its_figures(zoo_json):
    chosen = {m for m in resgraph.zoo.model_names() if resgraph.zoo.family(m) in ZOO}
    assert [e["model"] for e in zoo_json] and {e["model"] for e in zoo_json} == chosen
    r50 = next(e for e in zoo_json if e["model"] == "resnet50")
    assert r50["params"] == 25_557_032 and r50["input"] == [3, 224, 224] and r50["family"] == "resnet"
    assert r50["macs_conv_linear"] == pytest.approx(4.089e9, rel=1e-3)
    assert r50["reference"].startswith("ResNet-50 v1.5 (He et al. 2015")


@pytest.mark.parametrize("width", WIDTHS)
def test_zoo_fits_the_width_with_names_and_counts_whole(zoo_json, width):
    check_fits(ZOO, width, {e["model"] for e in zoo_json} | {f"{e['params']:,}" for e in zoo_json})


@pytest.mark.parametrize("width", WIDTHS)
def test_summary_fits_the_width_with_names_and_numbers_whole(width):
    s = json.loads(run("summary", "resnet50", "--json").stdout)
    required = {r["name"] for r in s["rows"]} | {f"{s['totals']['params']:,}"}
    if width >= 80:  # the per-layer counts too; at 60 the layer names and totals are what fits
        required |= {f"{r['params']:,}" for r in s["rows"] if r["params"]}
    check_fits(["summary", "resnet50"], width, required)


def test_summary_narrow_layout_keeps_every_value():
    """Too narrow for any table: one record per row, each value whole on its own line."""
    s = json.loads(run("summary", "cifar_resnet20", "--json").stdout)
    out = run("summary", "cifar_resnet20", columns=30)
    assert out.exit_code == 0, out.output
    assert max(len(line) for line in out.stdout.splitlines()) <= 30, out.stdout
    assert {r["name"] for r in s["rows"]} <= tokens(out.stdout)
    assert {f"{r['params']:,}" for r in s["rows"] if r["params"]} <= tokens(out.stdout)
    assert "…" not in out.stdout


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_fits_the_width_with_names_and_numbers_whole(width):
    args = ["compare", "resnet18", "densenet121", "cifar_resnet20", "--no-gradients"]
    data = json.loads(run(*args, "--json").stdout)
    check_fits(args, width, set(data) | {f"{r['params']:,}" for r in data.values()})


@pytest.mark.parametrize("args", [ZOO, ["summary", "resnet50"]])
def test_in_a_pipe_tables_are_80_columns_and_follow_COLUMNS(args):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    piped = subprocess.run([sys.executable, "-m", "resgraph", *args], capture_output=True, text=True,
                           env=env, check=True)
    assert max(len(line) for line in piped.stdout.splitlines()) <= 80
    assert re.search(r"^resnet50\s", piped.stdout, re.M) or "layer4.2.conv3" in piped.stdout
    wide = subprocess.run([sys.executable, "-m", "resgraph", *args], capture_output=True, text=True,
                          env={**env, "COLUMNS": "160"}, check=True)
    assert max(len(line) for line in wide.stdout.splitlines()) > 100  # the wider layout was used


LONG = """
block residual_unit(c: int) {
    f = in -> first_convolution_of_the_unit: conv(c, 3, bias=false) -> bn1: bn -> relu
           -> second_convolution_of_it: conv(c, 3, bias=false) -> bn2: bn
    out = add(f, in) -> relu
}
model net {
    input x[3, 8, 8]
    out = x -> stem_convolution: conv(4, 3, bias=false) -> bn -> relu -> stage_one: residual_unit(4) * 3
            -> adaptive_avgpool(1) -> flatten -> fc: linear(10)
}
"""


@pytest.fixture(scope="module")
def long_names(tmp_path_factory):
    path = tmp_path_factory.mktemp("analyze") / "net.rg"
    path.write_text(LONG)
    args = ["analyze", str(path), "--gradients", "-b", "2"]
    data = json.loads(run(*args, "--json").stdout)
    return args, data


def test_analyze_json_lists_every_layer_with_its_gradient_norm(long_names):
    _, data = long_names
    names = [d["name"] for d in data["layers"]]
    assert "stage_one.2.first_convolution_of_the_unit" in names and len(names) == 1 + 3 * 2 + 1
    assert all(d["grad_norm"] > 0 for d in data["layers"]) and data["paths"] == 2 ** 3


@pytest.mark.parametrize("width", WIDTHS)
def test_analyze_fits_the_width_with_names_and_numbers_whole(long_names, width):
    """The layers table was a hand-built Rich table that cut names with '…' at 60 columns."""
    args, data = long_names
    required = {d["name"] for d in data["layers"]} | {str(d["depth"]) for d in data["layers"]}
    check_fits(args, width, required | {f"{c:,}" for c in data["distribution"].values()})


def test_analyze_in_a_pipe_follows_COLUMNS(long_names):
    """The histogram's bars take the width left: 80 columns in a pipe, more with COLUMNS."""
    args, _ = long_names
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    piped = subprocess.run([sys.executable, "-m", "resgraph", *args], capture_output=True, text=True,
                           env=env, check=True)
    assert max(len(line) for line in piped.stdout.splitlines()) <= 80
    assert "stage_one.2.second_convolution_of_it" in piped.stdout.split()
    wide = subprocess.run([sys.executable, "-m", "resgraph", *args], capture_output=True, text=True,
                          env={**env, "COLUMNS": "160"}, check=True)
    bars = [line for line in wide.stdout.splitlines() if "█" in line]
    assert bars and max(len(line) for line in bars) == 160
