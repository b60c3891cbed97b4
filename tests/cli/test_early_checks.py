"""The last rough edges a new user meets: plots and saves refused before the work, every output
written whole or not at all, the benchmark's usage errors exit 2, errors cheap to raise and short
to show however large the file, and huge files refused unread."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph.bench import report
from resgraph.bench import run as bench_run
from resgraph.cli import app
from resgraph.errors import LimitError, ResgraphError, Source, Span
from resgraph.syntax import loader

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "examples" / "tiny_resnet.rg")


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_clean(result, code, *fragments):
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in result.output, result.output


def failing_replace(src, dst):
    raise OSError(28, "No space left on device")


# -- compare --plot ------------------------------------------------------------------------------------


def test_compare_plot_without_matplotlib_is_refused_before_comparing(tmp_path, monkeypatch):
    from resgraph.tools.analysis import gradients

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    monkeypatch.setattr(gradients, "gradient_norms", lambda *a, **k: pytest.fail("compared before refusing"))
    result = run("compare", TINY, TINY, "--plot", tmp_path / "g.png")
    assert_clean(result, 2)
    assert result.output.splitlines() == [
        "error: --plot needs matplotlib, which is not installed",
        "help: pip install 'resgraph[plot]', or leave out --plot",
    ]


# -- compile --save ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where, says", [
    ("file.txt", "this exists and is not a directory"),
    ("full", "this directory is not empty and not a saved resgraph model"),
    ("file.txt/model", "cannot save here: {tmp}/file.txt is a file, not a directory"),
])
def test_compile_save_target_is_checked_before_compiling(tmp_path, where, says):
    (tmp_path / "file.txt").write_text("keep me")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("keep me")
    result = run("compile", TINY, "--save", tmp_path / where)
    assert_clean(result, 2, f"{tmp_path / where}: error: ", says.format(tmp=tmp_path))
    assert "compiled" not in result.output
    assert (tmp_path / "file.txt").read_text() == "keep me" and os.listdir(tmp_path / "full") == ["notes.txt"]


def test_compile_save_under_a_read_only_folder_is_checked_before_compiling(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: Path(p) != ro and access(p, mode, **k))  # root too
    result = run("compile", TINY, "--save", ro / "new" / "model")
    assert_clean(result, 2, f"{ro}/new/model: error: cannot save here: the directory {ro} is read-only")
    assert "compiled" not in result.output and list(ro.iterdir()) == []


def test_compile_save_still_saves_and_replaces_a_saved_model(tmp_path):
    for _ in range(2):
        assert_clean(run("compile", TINY, "--save", tmp_path / "m"), 0, f"saved to {tmp_path / 'm'}")
    assert sorted(os.listdir(tmp_path / "m")) == ["manifest.json", "model.rg", "weights.safetensors"]


# -- viz: atomic ---------------------------------------------------------------------------------------


def test_viz_output_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "net.dot"
    out.write_text("previous\n")
    monkeypatch.setattr(os, "replace", failing_replace)
    assert_clean(run("viz", TINY, "-o", out), 2, f"{out}: error: ", "No space left on device")
    assert out.read_text() == "previous\n" and os.listdir(tmp_path) == ["net.dot"]
    monkeypatch.undo()
    assert_clean(run("viz", TINY, "-o", out), 0)
    assert out.read_text().startswith("digraph") and os.listdir(tmp_path) == ["net.dot"]


# -- the benchmark's files and usage errors ------------------------------------------------------------


def no_measuring(name, a, result, checkpoint):
    result["inference"] = {}
    checkpoint()


def test_bench_results_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    out, md = tmp_path / "results.json", tmp_path / "RESULTS.md"
    out.write_text("previous\n")
    monkeypatch.setattr(bench_run, "bench_model", no_measuring)
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SystemExit) as exc:
        bench_run.main(["resnet18", "--json", str(out), "--markdown", str(md)])
    assert exc.value.code == 2
    assert out.read_text() == "previous\n" and os.listdir(tmp_path) == ["results.json"]
    monkeypatch.setattr(os, "replace", os.rename)
    bench_run.main(["resnet18", "--json", str(out), "--markdown", str(md)])
    assert json.loads(out.read_text())["models"] == {"resnet18": {"inference": {}}}
    assert md.read_text().startswith("# Benchmark results") and sorted(os.listdir(tmp_path)) == ["RESULTS.md", "results.json"]


@pytest.mark.parametrize("where, says", [
    ("out", "{tmp}/out: error: cannot write the results here: it is a directory, not a file"),
    ("file.txt/r.json", "{tmp}/file.txt/r.json: error: cannot write the results here: {tmp}/file.txt is a file"),
])
def test_bench_output_paths_are_usage_errors_before_measuring(tmp_path, monkeypatch, capsys, where, says):
    (tmp_path / "out").mkdir()
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setattr(bench_run, "bench_model", lambda *a: pytest.fail("measured before refusing"))
    for flag in ("--json", "--markdown"):
        with pytest.raises(SystemExit) as exc:
            bench_run.main(["resnet18", flag, str(tmp_path / where)])
        assert exc.value.code == 2 and says.format(tmp=tmp_path) in capsys.readouterr().err


def test_benchmarks_script_with_an_unknown_model_exits_2_with_a_message():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "nosuch"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: no eager reference for nosuch\nhelp: models: densenet121"), done.stderr


def test_bench_report_fits_80_columns():
    """The longest variant names beside the widest values and ratios."""
    timing = {v: {"median_s": 12.3456, "ratio": 123.45} for v in
              ["eager", "eager memory_efficient (torchvision)", "resgraph -O1 + torch.compile"]}
    results = {"models": {"densenet264": {
        "inference": {"batch 256": timing},
        "training": {"step time": timing,
                     "peak memory": {v: {"peak_mb": 123456.0, "ratio": 99.9} for v in timing}},
        "construction": {v: {"cold_s": 123.456, "warm_s": 12.345, "ratio": 1.5} for v in timing},
    }}}
    lines = report.table(results).splitlines()
    assert len(lines) > 12 and max(len(line) for line in lines) <= 80, "\n".join(lines)


# -- errors: cheap to raise, short to show --------------------------------------------------------------


def test_many_errors_in_a_large_file_are_cheap():
    """Each error used to render (and re-split the whole text) when raised: quadratic in errors x size."""
    text = "    x = conv(64, 3) -> bn -> relu  # a line of a large file\n" * 17_000  # 1 MB
    source = Source("big.rg", text)
    started = time.perf_counter()
    errors = [ResgraphError(f"error {i}", Span(source, 3 * i + 1, 9, 3 * i + 1, 19)) for i in range(5000)]
    shown = "\n".join(str(e) for e in errors)
    assert time.perf_counter() - started < 1.5
    assert shown.count("\n        x = conv(64, 3) -> bn -> relu") == 5000
    assert str(errors[7]).splitlines()[0] == "big.rg:22:9: error: error 7"
    assert errors[7].args == ("error 7",) and errors[7].message == "error 7"


def excerpt(line: str, col: int, end_col: int | None = None) -> tuple[str, str]:
    error = ResgraphError("bad", Span(Source("long.rg", f"first\n{line}\nlast\n"), 2, col, 2, end_col))
    _, text, caret = str(error).splitlines()
    return text[4:], caret[4:]


def test_a_caret_on_a_very_long_line_shows_a_window_around_it():
    line = "a" * 499_999 + "Z" + "b" * 500_000
    text, caret = excerpt(line, 500_000, 500_004)
    assert text.startswith("…") and text.endswith("…") and len(text) <= 110
    assert text[caret.index("^")] == "Z" and caret.strip() == "^~~~"
    assert set(text[1:caret.index("^")]) == {"a"}


@pytest.mark.parametrize("length, col, marks", [
    (1_000_000, 1, (False, True)), (1_000_000, 999_998, (True, False)), (1_000_000, 1000, (True, True)),
    (100, 50, (False, False)),
])
def test_the_window_is_marked_only_where_the_line_goes_on(length, col, marks):
    line = ("0123456789abcdefghij" * (length // 20 + 1))[:length]
    text, caret = excerpt(line, col)
    assert (text.startswith("…"), text.endswith("…")) == marks
    at = caret.index("^")
    assert text[at] == line[col - 1] and text[at + 1:at + 3] == line[col:col + 2]


# -- files too large to be a spec ----------------------------------------------------------------------


def test_a_huge_file_is_refused_from_its_size_without_reading_it(tmp_path):
    big = tmp_path / "big.rg"
    with open(big, "wb") as f:
        f.truncate(10**9)  # sparse: no disk used, but a read would take 1 GB of memory
    started = time.perf_counter()
    with pytest.raises(LimitError) as exc:
        resgraph.load(big)
    assert time.perf_counter() - started < 1.0
    assert str(exc.value).startswith(f"{big}: error: the file has 1,000,000,000 bytes, more than a spec can hold")


def test_an_import_of_a_huge_file_is_refused_at_the_import(tmp_path):
    with open(tmp_path / "big.rg", "wb") as f:
        f.truncate(loader.MAX_BYTES + 1)
    main = tmp_path / "net.rg"
    main.write_text('import "big.rg"\n' + "model net {\n    input x[3, 8, 8]\n    out = x -> relu\n}\n")
    with pytest.raises(LimitError) as exc:
        resgraph.load(main)
    assert str(exc.value).startswith(f"{main}:1:1: error: {tmp_path / 'big.rg'} has {loader.MAX_BYTES + 1:,} bytes")


def test_check_of_a_huge_file_is_a_clean_error(tmp_path):
    big = tmp_path / "big.rg"
    with open(big, "wb") as f:
        f.truncate(10**9)
    result = run("check", big)
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert f"{big}: error: the file has 1,000,000,000 bytes" in result.output
