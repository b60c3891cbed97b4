"""The benchmark's tables: one per model and measure, every row with its ratio to plain eager.

Inference rows also read as throughput — GFLOP/s of the reference's multiply-adds, and that as a
share of the peak GEMM measured in the same run at the row's precision — and show how far the
row's output is from eager's (relative error; top-1 agreement where the output has classes).
"""

from __future__ import annotations

NAME_WIDTH = 31  # the inference table's variant column: 80 columns with the figures
INFERENCE_COLUMNS = ["variant", "time", "ratio to eager", "GFLOP/s", "of peak", "max abs err", "rel err", "top-1"]


def _skipped(results: dict) -> list[str]:
    return [r["skipped"] for r in results["models"].values() if "skipped" in r]


def _peak(results: dict, precision: str) -> float | None:
    return results.get("machine", {}).get("peak GFLOP/s", {}).get(precision)


def _inference_cells(d: dict, peak: float | None) -> list[str]:
    """time, ratio, GFLOP/s, of peak, max abs err, rel err, top-1 (blank where not measured)."""
    gflops = d.get("gflops")
    return [f"{d['median_s'] * 1e3:.1f} ms", f"{d['ratio']:.2f}",
            "" if gflops is None else f"{gflops:.0f}",
            "" if gflops is None or not peak else f"{gflops / peak:.0%}",
            f"{d['max_abs_err']:.1e}" if "max_abs_err" in d else "",
            f"{d['rel_err']:.1e}" if "rel_err" in d else "",
            f"{d['top1']:.2f}" if "top1" in d else ""]


def _inference_tables(results: dict):
    """(model, batch title, [(variant, cells, status)]): for a failed or skipped row, cells is
    [its message] and status "failed" or "skipped"; else status is None."""
    for model, r in results["models"].items():
        if "skipped" in r:
            continue
        for batch, rows in r["inference"].items():
            out = []
            for v, d in rows.items():
                status = next((s for s in ("failed", "skipped") if s in d), None)
                cells = [d[status]] if status else _inference_cells(d, _peak(results, d.get("precision", "fp32")))
                out.append((v, cells, status))
            yield model, f"inference, {batch} (eval, no grad)", out


def _other_rows(results: dict):
    """(model, title, [(variant, value text, ratio)]) for the training and construction tables."""
    for model, r in results["models"].items():
        if "skipped" in r:
            continue
        if "step time" in r.get("training", {}):
            yield model, "training step (forward + backward + SGD)", [
                (v, f"{d['median_s'] * 1e3:.0f} ms", d["ratio"]) for v, d in r["training"]["step time"].items()]
        if "peak memory" in r.get("training", {}):
            yield model, "training step peak memory above the pre-step level", [
                (v, f"{d['peak_mb']:.0f} MB", d["ratio"]) for v, d in r["training"]["peak memory"].items()]
        if "construction" in r:
            yield model, "construction (fresh process, first call)", [
                (v, f"{d['cold_s']:.3f} s (then {d['warm_s']:.3f} s)", d["ratio"])
                for v, d in r["construction"].items()]


def _peak_line(results: dict) -> str | None:
    peak = results.get("machine", {}).get("peak GFLOP/s")
    return None if not peak else "peak GEMM: " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peak.items())


def table(results: dict) -> str:
    """The terminal form, within 80 columns: time, ratio, GFLOP/s and share of peak, rel err, top-1."""
    out = [line for line in [_peak_line(results)] if line]
    for model, title, rows in _inference_tables(results):
        width = min(max(len(v) for v, _, _ in rows), NAME_WIDTH)
        out.append(f"\n{model} — {title}")
        out.append(f"  {'':<{width}}  {'time':>10} {'ratio':>7} {'GFLOP/s':>7} {'peak':>4} {'rel err':>7} {'top-1':>5}")
        for v, cells, status in rows:
            name = v if len(v) <= width else v[:width - 1] + "…"  # whole in the JSON and the markdown
            if status:
                out.append(f"  {name:<{width}}  {status}: {cells[0]}"[:80])
                continue
            t, ratio, gflops, peak, _, rel, top1 = cells
            out.append(f"  {name:<{width}}  {t:>10} {ratio + 'x':>7} {gflops:>7} {peak:>4} {rel:>7} {top1:>5}")
    for model, title, rows in _other_rows(results):
        width = max(len(v) for v, _, _ in rows)
        out.append(f"\n{model} — {title}")
        out += [f"  {v:<{width}}  {val:>26}  {ratio:6.2f}x" for v, val, ratio in rows]
    out += [f"\nskipped {why}" for why in _skipped(results)]
    return "\n".join(out)


def markdown(results: dict) -> str:
    m = results["machine"]
    out = ["# Benchmark results", "",
           f"Command: `{results['command']}`", "",
           "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items()), "",
           "Ratios are ours / plain eager (median of per-round ratios; lower is better). GFLOP/s count "
           "the reference's convolution and linear multiply-adds (2 FLOPs each); of peak divides them by "
           "the peak GEMM of the row's precision, measured in the same run."]
    for model, title, rows in _inference_tables(results):
        out += ["", f"## {model}: {title}", "", "| " + " | ".join(INFERENCE_COLUMNS) + " |",
                "|" + "---|" * len(INFERENCE_COLUMNS)]
        for v, cells, status in rows:
            cells = [cells[0], status, *[""] * 5] if status else cells
            out.append(f"| {v} | " + " | ".join(cells) + " |")
    for model, title, rows in _other_rows(results):
        out += ["", f"## {model}: {title}", "", "| variant | value | ratio to eager |", "|---|---|---|"]
        out += [f"| {v} | {val} | {ratio:.2f} |" for v, val, ratio in rows]
    out += [f"\nSkipped {why}" for why in _skipped(results)]
    return "\n".join(out) + "\n"
