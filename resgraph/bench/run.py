"""`python benchmarks/run.py MODEL...` and `resgraph bench MODEL...`: one run, every measure, one table.

For each model: eval inference latency at each batch size, one training step's time and its peak
memory, and construction time — resgraph beside the eager reference and the tricks a user could
apply to it, all holding the same weights, timed interleaved. Ratios are ours / plain eager.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from ..errors import ResgraphError, Span, UsageError
from ..syntax.loader import unwritable, write_file
from . import construct, memory, peers, variants
from . import reference as references
from .machine import machine
from .report import markdown, table
from .timing import interleaved


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def model_flops(name: str, size: int) -> int:
    """Floating-point operations of one sample: 2 per multiply-add of the convolutions and linears
    (the reference's count, which every row computes; -O1's pool_first does fewer)."""
    from .. import api
    from ..tools.analysis.cost import cost_totals, layer_costs

    return 2 * cost_totals(layer_costs(api.load(name, input_shape=(3, size, size)))).weighted_macs


def inference_steps(name: str, a: argparse.Namespace, batch: int, weights: dict, onnx) -> tuple[dict, dict]:
    """({row: step}, {row: why it is skipped}): resgraph, eager and its tricks, then the peers."""
    steps = variants.inference(name, a.device, batch, a.size, compile=a.compile, amp=a.amp,
                               weights=weights, precision=a.precision)
    skipped = {}
    if onnx is not None:
        for row, step in peers.steps(onnx, variants.example(batch, a.size, a.device), a.device,
                                     a.precision).items():
            if isinstance(step, peers.Skipped):
                skipped[row] = str(step)
            else:
                steps[row] = step
    if a.rows:
        unknown = set(a.rows) - set(steps) - set(skipped)
        if unknown:
            raise UsageError(f"--rows: no row called {', '.join(map(repr, sorted(unknown)))}",
                             hint=f"rows here: {', '.join(map(repr, [*steps, *skipped]))}")
        steps = {v: s for v, s in steps.items() if v in a.rows or v == variants.EAGER}
        skipped = {v: why for v, why in skipped.items() if v in a.rows}
    order = sorted(steps, key=lambda v: getattr(steps[v], "precision", "fp32") != "fp32")  # fp32 rows first
    return {v: steps[v] for v in order}, skipped


def bench_model(name: str, a: argparse.Namespace, result: dict, checkpoint) -> None:
    """Fill `result` section by section, calling checkpoint() after each (a long run keeps its figures)."""
    torch.manual_seed(0)
    result["reference"] = references.source(name)
    eager_model = references.reference(name)
    weights = eager_model.state_dict()
    onnx = peers.Exported(eager_model, variants.example(1, a.size, "cpu")) if a.peers else None
    result.update(inference={}, training={}, gflop_per_sample=model_flops(name, a.size) / 1e9)
    for batch in a.batch:
        progress(f"{name}: inference, batch {batch}, {a.size}x{a.size}")
        steps, skipped = inference_steps(name, a, batch, weights, onnx)
        for v, why in skipped.items():
            progress(f"{name} b{batch}: {v} skipped: {why}")
        errors, failed = variants.check_outputs(steps)  # each variant's first call: also a warm-up round
        for v, why in failed.items():
            progress(f"{name} b{batch}: {v} failed: {why}")
        timed = interleaved(
            {v: step for v, step in steps.items() if v not in failed}, baseline=variants.EAGER,
            repeats=a.repeats, warmup=max(a.warmup - 1, 0), device=a.device,
            progress=lambda m: progress(f"{name} b{batch}: {m}"), clock=a.clock)
        flops = result["gflop_per_sample"] * batch
        rows = {v: {**timed[v], **errors[v], "gflops": flops / timed[v]["median_s"],
                    "precision": getattr(steps[v], "precision", "fp32")} if v in timed
                else {"failed": failed[v]} for v in steps}
        result["inference"][f"batch {batch}"] = {**rows, **{v: {"skipped": why} for v, why in skipped.items()}}
        del steps
        checkpoint()
    del onnx
    if a.train:
        progress(f"{name}: training step, batch {a.train_batch}")
        steps = {v: variants.train_step(variants.training_module(name, v, a.device, weights), a.train_batch,
                                        a.size, a.device)
                 for v in variants.training_names(name)}
        result["training"]["step time"] = interleaved(
            steps, baseline=variants.EAGER, repeats=a.repeats, warmup=1, device=a.device,
            progress=lambda m: progress(f"{name} train: {m}"))
        del steps
        checkpoint()
    if a.memory:
        peaks = {}
        for v in variants.training_names(name):
            progress(f"{name}: peak memory of a training step, {v} (fresh process)")
            peaks[v] = memory.in_fresh_process(name, v, a.train_batch, a.size, a.device)
        base = peaks[variants.EAGER]["peak_mb"]
        result["training"]["peak memory"] = {v: {**p, "ratio": p["peak_mb"] / base} for v, p in peaks.items()}
        checkpoint()
    if a.construct:
        built = {}
        for what in construct.WHAT:
            progress(f"{name}: construction time, {what} (fresh process)")
            built[what] = construct.in_fresh_process(what, name)
        base = built[construct.WHAT[0]]
        result["construction"] = {w: {**t, "ratio": t["cold_s"] / base["cold_s"]} for w, t in built.items()}
        checkpoint()


def parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", help="zoo model names, e.g. resnet50 densenet121")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--batch", type=int, nargs="*", default=[1, 16], help="inference batch sizes (none: skip)")
    p.add_argument("--size", type=int, default=224, help="input height and width")
    p.add_argument("--train-batch", type=int, default=8)
    p.add_argument("--repeats", type=int, default=5, help="timed rounds per measure")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--no-compile", dest="compile", action="store_false", help="skip the torch.compile rows")
    p.add_argument("--no-train", dest="train", action="store_false", help="skip the training step time")
    p.add_argument("--no-memory", dest="memory", action="store_false", help="skip training peak memory")
    p.add_argument("--no-construct", dest="construct", action="store_false", help="skip construction time")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="add bfloat16 autocast rows (default: on for cuda)")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16: add the rows computing in bfloat16 (eager cast, resgraph, OpenVINO)")
    p.add_argument("--rows", nargs="+", metavar="ROW",
                   help="time only these inference rows (and eager, the baseline), e.g. 'resgraph -O1'")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: time inference by process CPU time (a shared machine; use with --threads 1)")
    p.add_argument("--threads", type=int, help="threads for torch and the peers (default: torch's)")
    p.add_argument("--no-peers", dest="peers", action="store_false",
                   help="skip the ONNX Runtime and OpenVINO rows (and the ONNX export)")
    p.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="where to write results")
    p.add_argument("--markdown", type=Path, help="also write the tables as markdown (e.g. benchmarks/RESULTS.md)")
    return p


def run(a: argparse.Namespace, command: str) -> dict:
    if a.amp is None:
        a.amp = a.device.startswith("cuda")
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {a.device}: this torch has no CUDA device", hint="use --device cpu")
    for path in filter(None, (a.json, a.markdown)):  # before minutes of measuring, not after
        check_output(path)
    if a.threads is not None:
        if a.threads < 1:
            raise UsageError(f"--threads {a.threads}: needs at least 1")
        torch.set_num_threads(a.threads)  # the peers read it too
    progress("measuring the peak GEMM (fp32, bf16)")
    results = {"command": command, "machine": machine(a.device, a.clock), "models": {}}

    def checkpoint():
        write_file(a.json, json.dumps(results, indent=1))

    for name in a.models:
        why = references.unavailable(name)
        if why:
            progress(f"skipped {why}")
            results["models"][name] = {"skipped": why}
            continue
        results["models"][name] = {}
        bench_model(name, a, results["models"][name], checkpoint)
    checkpoint()
    print(table(results))
    progress(f"wrote {a.json}")
    if a.markdown:
        write_file(a.markdown, markdown(results))
        progress(f"wrote {a.markdown}")
    return results


def check_output(path: Path) -> None:
    """A file we can write, its folder made if missing (benchmarks/ from elsewhere): checked before
    the measuring, so a bad path costs a second, not the run."""
    why = "it is a directory, not a file" if path.is_dir() else unwritable(path.parent)
    if why:
        raise UsageError(f"cannot write the results here: {why}", Span.file(str(path)),
                         hint="choose a file in a directory you can write, e.g. results.json")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the folder {path.parent}: {exc.strerror or exc}", Span.file(str(path))) from None


def main(argv: list[str] | None = None, prog: str = "python benchmarks/run.py") -> None:
    """Usage errors exit 2 with their message (as argparse's own do), other resgraph errors 1."""
    argv = sys.argv[1:] if argv is None else argv
    a = parser(prog).parse_args(argv)
    try:
        references.check(a.models)
        run(a, f"{prog} " + " ".join(argv))
    except ResgraphError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2 if isinstance(exc, UsageError) else 1) from None
