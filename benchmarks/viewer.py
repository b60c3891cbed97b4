"""How fast the interactive viewer (`resgraph viz X -o x.html`) is in headless Chromium.

    python benchmarks/viewer.py                       # densenet264 and cifar_resnet1202
    python benchmarks/viewer.py resnet50 --runs 3     # other zoo models

For each model: the time to write the page (Python), its size, then in a fresh headless Chromium
(Debian's chromium + chromium-driver, driven by selenium: tests/tools/viz/browser.py) the first
paint (navigation start to the frame after the first drawing, `resgraphViewer.firstPaint`) and
the first layout + drawing alone; then every folded box of the first picture unfolded and
folded again (`--repeat` times, the median kept), each measured from the call to the frame after
the new drawing (the targets of
issue 18: first paint <= 1 s, a fold or unfold <= 100 ms). The browser's paint timing
(first-contentful-paint) is printed beside ours.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import resgraph  # noqa: E402
from resgraph.tools import viz  # noqa: E402
from tests.tools.viz.browser import chromium, errors, missing  # noqa: E402

TOGGLE = """
const done = arguments[arguments.length - 1];
const t0 = performance.now();
resgraphViewer.toggle(arguments[0], arguments[1]);
const sync = performance.now() - t0;
requestAnimationFrame(() => requestAnimationFrame(() => done([sync, performance.now() - t0, resgraphViewer.boxes()])));
"""
FIRST = """
const done = arguments[arguments.length - 1];
const wait = () => resgraphViewer.firstPaint === null ? setTimeout(wait, 5) : done([
    resgraphViewer.firstPaint, resgraphViewer.firstRender, resgraphViewer.boxes(),
    (performance.getEntriesByName("first-contentful-paint")[0] || {startTime: null}).startTime]);
wait();
"""


def measure(name: str, runs: int, repeat: int, out: Path) -> dict:
    start = time.perf_counter()
    graph = resgraph.load(name)
    page = viz.write(graph, out / f"{name}.html")
    built = time.perf_counter() - start
    result = {"model": name, "layers": len(graph), "write_s": built, "bytes": page.stat().st_size,
              "first_paint_ms": [], "first_render_ms": [], "fcp_ms": [], "unfold_ms": [], "fold_ms": []}
    with chromium() as driver:
        driver.set_script_timeout(60)
        for _ in range(runs):
            driver.get(page.as_uri())
            paint, render, drawn, fcp = driver.execute_async_script(FIRST)
            result["first_paint_ms"].append(paint)
            result["first_render_ms"].append(render)
            result["fcp_ms"].append(fcp)
        result["boxes_first"] = drawn
        for path in driver.execute_script("return resgraphViewer.folded()"):
            unfolds, folds = [], []
            for _ in range(repeat):  # the median of a few: one slow frame on a busy machine is noise
                _, to_paint, boxes = driver.execute_async_script(TOGGLE, path, True)
                unfolds.append(to_paint)
                folds.append(driver.execute_async_script(TOGGLE, path, False)[1])
            result["unfold_ms"].append((statistics.median(unfolds), path, boxes))
            result["fold_ms"].append((statistics.median(folds), path))
        start_all = time.perf_counter()
        driver.execute_script("resgraphViewer.openAll()")
        result["unfold_all_ms"] = (time.perf_counter() - start_all) * 1000
        result["boxes_all"] = driver.execute_script("return [resgraphViewer.boxes(), resgraphViewer.drawn()]")
        result["console_errors"] = errors(driver)
    return result


def report(r: dict) -> None:
    worst_unfold = max(r["unfold_ms"], default=(0.0, "-", 0))
    worst_fold = max(r["fold_ms"], default=(0.0, "-"))
    print(f"{r['model']}: {r['layers']} layers; page written in {r['write_s']:.2f} s, {r['bytes'] / 1e6:.2f} MB")
    print(f"  first paint     median {statistics.median(r['first_paint_ms']):7.1f} ms   "
          f"max {max(r['first_paint_ms']):7.1f} ms   (layout + drawing {statistics.median(r['first_render_ms']):.1f} ms; "
          f"first-contentful-paint {statistics.median([f for f in r['fcp_ms'] if f is not None] or [0]):.1f} ms; "
          f"{r['boxes_first']} boxes)")
    if r["unfold_ms"]:
        print(f"  unfold          median {statistics.median(t for t, *_ in r['unfold_ms']):7.1f} ms   "
              f"max {worst_unfold[0]:7.1f} ms ({worst_unfold[1]}, {worst_unfold[2]} boxes), {len(r['unfold_ms'])} boxes tried")
        print(f"  fold            median {statistics.median(t for t, _ in r['fold_ms']):7.1f} ms   "
              f"max {worst_fold[0]:7.1f} ms ({worst_fold[1]})")
    print(f"  unfold all      {r['unfold_all_ms']:7.1f} ms  ({r['boxes_all'][0]} boxes, {r['boxes_all'][1]} of them "
          f"near the view and drawn; a round trip through selenium)")
    if r["console_errors"]:
        print("  CONSOLE ERRORS:", *r["console_errors"], sep="\n    ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["densenet264", "cifar_resnet1202"])
    parser.add_argument("--runs", type=int, default=5, help="page loads per model (first paint)")
    parser.add_argument("--repeat", type=int, default=3, help="unfolds and folds of each box (their median counts)")
    args = parser.parse_args()
    why = missing()
    if why:
        sys.exit(f"cannot run: {why}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            report(measure(name, args.runs, args.repeat, Path(tmp)))


if __name__ == "__main__":
    main()
