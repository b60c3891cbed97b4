"""The deployment runtimes as rows: same weights through an ONNX export, checked against eager,
skipped with a reason where missing; the machine's CPU flags and peak beside them."""

from __future__ import annotations

import pytest
import torch

from resgraph.bench import machine, peers, variants
from resgraph.bench.report import markdown, table


def test_onnxruntime_and_openvino_compute_what_eager_computes():
    pytest.importorskip("onnxscript")
    if not (peers.installed("onnxruntime") or peers.installed("openvino")):
        pytest.skip("neither onnxruntime nor openvino is installed")
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)).eval()
    x = variants.example(2, 16, "cpu")
    onnx = peers.Exported(model, variants.example(1, 16, "cpu"))
    rows = peers.steps(onnx, x, "cpu", "fp32")
    assert set(rows) == {peers.ORT, peers.OPENVINO}
    with torch.no_grad():
        want = model(x)
    ran = {name: step for name, step in rows.items() if not isinstance(step, peers.Skipped)}
    assert ran, rows
    for name, step in ran.items():  # exported with batch 1, run at batch 2: the batch stays dynamic
        torch.testing.assert_close(step(), want, rtol=1e-3, atol=1e-3, msg=name)


def test_a_missing_runtime_is_a_skipped_row_with_the_install_hint(monkeypatch):
    monkeypatch.setattr(peers, "installed", lambda name: False)
    monkeypatch.setattr(peers, "bf16_units", lambda device: None)
    onnx = peers.Exported(torch.nn.Identity(), torch.ones(1, 3, 8, 8))
    rows = peers.steps(onnx, torch.ones(1, 3, 8, 8), "cpu", "bf16")
    assert {k: str(v) for k, v in rows.items()} == {
        peers.ORT: "onnxruntime is not installed: pip install 'resgraph[bench]'",
        peers.OPENVINO: "openvino is not installed: pip install 'resgraph[bench]'",
        peers.OPENVINO_BF16: "this CPU has no bf16 units (AVX512-BF16 or AMX)"}
    with pytest.raises(peers.Skipped, match="the ONNX export needs onnx and onnxscript"):
        onnx.path()
    results = {"command": "c", "machine": {}, "models": {"m": {"inference": {"batch 1": {
        "eager": {"median_s": 0.01, "ratio": 1.0, "max_abs_err": 0.0},
        peers.ORT: {"skipped": str(rows[peers.ORT])}}}}}}
    assert "  ONNX Runtime  skipped: onnxruntime is not installed" in table(results)
    assert "| ONNX Runtime | onnxruntime is not installed: pip install 'resgraph[bench]' | skipped |" \
        in markdown(results)


def test_rows_read_as_a_share_of_the_peak_of_their_precision():
    results = {"command": "c", "machine": {"peak GFLOP/s": {"fp32": 100.0, "bf16": 200.0}}, "models": {"m": {
        "inference": {"batch 16": {
            "eager": {"median_s": 1.0, "ratio": 1.0, "max_abs_err": 0.0, "rel_err": 0.0, "top1": 1.0,
                      "gflops": 50.0, "precision": "fp32"},
            "resgraph -O1 bf16": {"median_s": 0.25, "ratio": 0.25, "max_abs_err": 0.01, "rel_err": 4.7e-3,
                                  "top1": 1.0, "gflops": 200.0, "precision": "bf16"}}}}}}
    text = table(results)
    assert "peak GEMM: fp32 100 GFLOP/s, bf16 200 GFLOP/s" in text
    assert any(line.split() == ["resgraph", "-O1", "bf16", "250.0", "ms", "0.25x", "200", "100%", "4.7e-03",
                                "1.00"] for line in text.splitlines()), text
    assert any(line.split()[-4:] == ["50", "50%", "0.0e+00", "1.00"] for line in text.splitlines()), text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "| resgraph -O1 bf16 | 250.0 ms | 0.25 | 200 | 100% | 1.0e-02 | 4.7e-03 | 1.00 |" in markdown(results)


def test_outputs_are_compared_by_relative_error_and_top1():
    want = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    got = torch.tensor([[1.0, 0.0], [0.6, 0.5]])
    d = variants.compare(got, want)
    assert d["top1"] == 0.5 and d["max_abs_err"] == pytest.approx(0.6)
    assert d["rel_err"] == pytest.approx((0.36 + 0.25) ** 0.5 / 2 ** 0.5)


def test_the_cpu_is_named_with_the_flags_that_decide_its_speed(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC\n"
                    "flags\t\t: fpu avx2 avx512f avx512_bf16 sse\n")
    model, flags = machine.cpu_info(info)
    assert model == "AMD EPYC (family 25, model 17)"
    assert machine.flags_text(flags) == "avx2 avx512f avx512_bf16 (no amx_bf16, amx_int8)"
    assert machine.cpu_info(tmp_path / "absent")[1] is None


def test_the_peak_is_measured_in_both_precisions(monkeypatch):
    monkeypatch.setitem(machine.PEAK_SIZE, "cpu", 64)
    peak = machine.peak_gemm("cpu", repeats=1)
    assert set(peak) == {"fp32", "bf16"} and all(v > 0 for v in peak.values())
