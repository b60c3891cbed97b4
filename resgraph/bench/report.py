"""The benchmark's tables: one per model and measure, every row with its ratio to plain eager."""

from __future__ import annotations


def _error(d: dict) -> str:
    return f"  (err {d['max_abs_err']:.1e})" if "max_abs_err" in d else ""


def _inference_row(variant: str, d: dict) -> tuple[str, str, float | None]:
    """A variant that raised has its error for a value and no ratio."""
    if "failed" in d:
        return variant, d["failed"], None
    return variant, f"{d['median_s'] * 1e3:.1f} ms" + _error(d), d["ratio"]


def _skipped(results: dict) -> list[str]:
    return [r["skipped"] for r in results["models"].values() if "skipped" in r]


def _rows(results: dict):
    """(model, title, [(variant, value text, ratio)]) for every table."""
    for model, r in results["models"].items():
        if "skipped" in r:
            continue
        for batch, rows in r["inference"].items():
            yield model, f"inference, {batch} (eval, no grad; max abs error vs eager)", [
                _inference_row(v, d) for v, d in rows.items()]
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


def table(results: dict) -> str:
    out = []
    for model, title, rows in _rows(results):
        width = max(len(v) for v, _, _ in rows)
        out.append(f"\n{model} — {title}")
        out += [f"  {v:<{width}}  failed: {val}"[:80] if ratio is None else f"  {v:<{width}}  {val:>26}  {ratio:6.2f}x"
                for v, val, ratio in rows]  # a failure's whole message is in the JSON and the markdown
    out += [f"\nskipped {why}" for why in _skipped(results)]
    return "\n".join(out)


def markdown(results: dict) -> str:
    m = results["machine"]
    out = ["# Benchmark results", "",
           f"Command: `{results['command']}`", "",
           "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items()), "",
           "Ratios are ours / plain eager (median of per-round ratios; lower is better)."]
    for model, title, rows in _rows(results):
        out += ["", f"## {model}: {title}", "", "| variant | value | ratio to eager |", "|---|---|---|"]
        out += [f"| {v} | {val} | {'failed' if ratio is None else f'{ratio:.2f}'} |" for v, val, ratio in rows]
    out += [f"\nSkipped {why}" for why in _skipped(results)]
    return "\n".join(out) + "\n"
