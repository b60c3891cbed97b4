"""The benchmark harness measures what it names: ratios per round, same weights, a fresh-process probe."""

from __future__ import annotations

import torch

from resgraph.bench import eager, timing, variants
from resgraph.bench.report import markdown, table


def test_interleaved_takes_the_median_of_per_round_ratios(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(timing.time, "perf_counter", lambda: clock[0])
    drift = iter([1, 1, 3, 3, 1, 1])  # the machine slows down in round 2: both variants alike

    def step(cost):
        def run():
            clock[0] += cost * next(drift)
        return run

    out = timing.interleaved({"eager": step(2.0), "ours": step(1.0)}, baseline="eager", repeats=3,
                             warmup=0, device="cpu")
    assert out["ours"]["ratio"] == 0.5 and out["eager"]["ratio"] == 1.0
    assert out["eager"]["times"] == [2.0, 6.0, 2.0]


def test_every_inference_variant_holds_the_same_weights():
    steps = variants.inference("resnet18", "cpu", 1, 32, compile=False, amp=False)
    outputs = {name: run() for name, run in steps.items()}
    for name, y in outputs.items():
        torch.testing.assert_close(y, outputs["eager"], rtol=1e-3, atol=1e-3, msg=name)
    assert list(steps) == ["eager", "eager channels_last", "eager fx optimize_for_inference",
                           "resgraph -O0", "resgraph -O1"]


def test_hand_written_reference_has_resgraphs_state_dict_keys():
    import resgraph

    for name in ("resnet50", "densenet121"):
        assert list(eager.build(name).state_dict()) == list(resgraph.compile(name).state_dict())


def test_report_shows_ratios():
    results = {"command": "python benchmarks/run.py resnet18", "machine": {"torch": "x"}, "models": {
        "resnet18": {"inference": {"batch 1": {"eager": {"median_s": 0.01, "ratio": 1.0},
                                               "resgraph -O1": {"median_s": 0.004, "ratio": 0.4}}}}}}
    text = table(results)
    assert "resgraph -O1" in text and "0.40x" in text and "4.0 ms" in text
    assert "| resgraph -O1 | 4.0 ms | 0.40 |" in markdown(results)


def test_passes_script_times_level1_without_each_named_pass():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "benchmarks" / "passes.py"
    done = subprocess.run([sys.executable, str(script), "resnet18", "--batch", "1", "--size", "32", "--repeats", "1",
                           "--skip", "pool_first", "inplace_relu"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = [line.strip().rsplit(None, 3)[0] for line in done.stdout.splitlines() if line.startswith("  -O")]
    assert names == ["-O0", "-O1", "-O1 without pool_first", "-O1 without inplace_relu"]


def test_rows_threads_and_the_cpu_clock_pick_what_is_timed_and_how(tmp_path, capsys):
    import json

    import pytest

    from resgraph.bench import run as bench_run

    out = tmp_path / "r.json"
    common = ["resnet18", "--batch", "1", "--size", "32", "--repeats", "1", "--warmup", "1", "--no-compile",
              "--no-train", "--no-memory", "--no-construct", "--no-peers", "--threads", "1", "--clock", "cpu",
              "--json", str(out)]
    threads = torch.get_num_threads()
    try:
        bench_run.main([*common, "--rows", "resgraph -O1"])
        results = json.loads(out.read_text())
        assert list(results["models"]["resnet18"]["inference"]["batch 1"]) == ["eager", "resgraph -O1"]
        assert results["machine"]["clock"] == "cpu" and results["machine"]["threads"] == 1
        with pytest.raises(SystemExit) as exc:
            bench_run.main([*common, "--rows", "resgraph -O9"])
    finally:
        torch.set_num_threads(threads)
    assert exc.value.code == 2
    assert "error: --rows: no row called 'resgraph -O9'\nhelp: rows here: 'eager'" in capsys.readouterr().err
