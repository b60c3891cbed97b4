"""Where the time goes in resgraph -O1, ONNX Runtime and OpenVINO: one model, one batch, per kernel kind.

    python benchmarks/profile_peers.py resnet50 --batch 1 --threads 1 [--precision bf16]

Each runtime's own profiler: torch.profiler for resgraph (self CPU time per aten/mkldnn op),
ONNX Runtime's session profile (time per fused node type), OpenVINO's performance counters (time
per layer type and the kernel it chose, e.g. `brgconv_avx512`). Same weights, same input; a few
warm-up calls first, then `--repeats` profiled calls, reported per call.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

import torch

import resgraph
from resgraph.bench import peers, variants
from resgraph.bench import reference as references


def top(totals: dict[str, float], calls: int, title: str, rows: int) -> None:
    total = sum(totals.values()) / calls
    print(f"\n{title}: {total:.1f} ms per call")
    for name, ms in sorted(totals.items(), key=lambda kv: -kv[1])[:rows]:
        print(f"  {ms / calls:8.2f} ms {ms / calls / total:5.0%}  {name}"[:100])


def profile_resgraph(module, x, repeats: int) -> dict[str, float]:
    from torch.profiler import ProfilerActivity, profile

    with torch.no_grad():
        for _ in range(3):
            module(x)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(repeats):
                module(x)
    return {e.key: e.self_cpu_time_total / 1e3 for e in prof.key_averages() if e.self_cpu_time_total > 0}


def profile_onnxruntime(path, x, repeats: int) -> dict[str, float]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = torch.get_num_threads()
    warm = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    for _ in range(3):
        warm.run(None, {"x": x.numpy()})
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as folder:  # ORT writes its profile as a file
        options.profile_file_prefix = str(Path(folder) / "ort")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        session.run(None, {"x": x.numpy()})  # its first call (allocation) is not counted below
        for _ in range(repeats):
            session.run(None, {"x": x.numpy()})
        events = json.loads(Path(session.end_profiling()).read_text())
    runs = [e for e in events if e.get("name") == "model_run"]
    start = runs[1]["ts"] if len(runs) > 1 else 0
    totals: dict[str, float] = collections.defaultdict(float)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time") and e["ts"] >= start:
            totals[e["args"].get("op_name", "?")] += e["dur"] / 1e3
    return totals


def profile_openvino(path, x, repeats: int, precision: str) -> dict[str, float]:
    import openvino as ov

    core = ov.Core()
    model = core.read_model(str(path))
    model.reshape([*x.shape])
    compiled = core.compile_model(model, "CPU", {
        "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": torch.get_num_threads(), "PERF_COUNT": "YES",
        "INFERENCE_PRECISION_HINT": {"fp32": "f32", "bf16": "bf16"}[precision]})
    request = compiled.create_infer_request()
    for _ in range(3):
        request.infer({0: x.numpy()})
    totals: dict[str, float] = collections.defaultdict(float)
    for _ in range(repeats):
        request.infer({0: x.numpy()})
        for p in request.profiling_info:
            if p.status == p.Status.EXECUTED:
                totals[f"{p.node_type} [{p.exec_type}]"] += p.real_time.total_seconds() * 1e3
    return totals


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--rows", type=int, default=12, help="kernel kinds listed per runtime")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    eager = references.reference(a.model).eval()
    x = variants.example(a.batch, a.size, "cpu")
    ours = references.ours(a.model, eager.state_dict()).eval()
    module = resgraph.optimize(ours, opt_level=1, precision=a.precision)
    print(f"{a.model}, batch {a.batch}, {a.size}x{a.size}, {a.threads} thread(s), {a.precision}", file=sys.stderr)
    top(profile_resgraph(module, x, a.repeats), a.repeats, f"resgraph -O1 {a.precision}", a.rows)
    onnx = peers.Exported(eager, variants.example(1, a.size, "cpu"))
    if a.precision == "fp32" and peers.installed("onnxruntime"):
        top(profile_onnxruntime(onnx.path(), x, a.repeats), a.repeats, "ONNX Runtime", a.rows)
    if peers.installed("openvino"):
        top(profile_openvino(onnx.path(), x, a.repeats, a.precision), a.repeats, f"OpenVINO {a.precision}", a.rows)


if __name__ == "__main__":
    main()
