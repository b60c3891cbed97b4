"""How fast `resgraph lsp` answers, on the largest zoo spec (densenet264: 936 layers, ~6,000 edges).

    python benchmarks/lsp.py            # in-process timings of the server's functions, warm
    python benchmarks/lsp.py --server   # and the same through the server process (JSON-RPC over stdio)

Targets (issue 18): diagnostics after a keystroke in densenet264's spec ≤ 150 ms warm, a hover ≤ 50 ms.
Three documents: densenet264 written as one model (the spec a user writes: it imports the zoo's
blocks), and the zoo's densenet.rg (five models) with a keystroke in densenet264's line (only
that model is elaborated again) and in densenet121's body (all five are: they derive from it).
Each figure is the median (and the slowest) of --rounds keystrokes, wall and CPU time: on a
shared machine the CPU time is the better estimate of the wall time an idle one would give.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from resgraph import zoo
from resgraph.tools.lsp.analysis import analyze
from resgraph.tools.lsp.complete import completions
from resgraph.tools.lsp.diagnostics import lsp_diagnostics
from resgraph.tools.lsp.files import EditorFiles
from resgraph.tools.lsp.hints import hints
from resgraph.tools.lsp.hover import hover
from resgraph.tools.lsp.positions import Positions

ZOO = Path(zoo.find_model("densenet264"))
BLOCKS = ZOO.parent / "densenet_blocks.rg"
ONE_MODEL = f'''import "{BLOCKS}"

model densenet264(num_classes: int = 1000, growth_rate: int = 32, block_config: list = [6, 12, 64, 48],
                  num_init_features: int = 64, bn_size: int = 4, drop_rate: float = 0.0) {{
    """DenseNet-264 (Huang et al. 2017) with torchvision's stem and names."""
    option init = "kaiming_fan_in"
    input x[3, 224, 224]
    out = x -> features: densenet_features(growth_rate, block_config, num_init_features, bn_size, drop_rate)
            -> relu -> adaptive_avgpool(1) -> flatten -> classifier: linear(num_classes)
}}
'''


def keystrokes(text: str, anchor: str, rounds: int) -> list[str]:
    """`rounds` versions of `text`, each with the digit that ends `anchor` typed over with the next
    one (224 → 225 → 226 ...): each version is a valid spec that must be elaborated again, the
    slowest kind of keystroke (one that makes an error stops elaboration early)."""
    head, digit = anchor[:-1], int(anchor[-1])
    return [text.replace(anchor, f"{head}{(digit + k + 1) % 10}", 1) for k in range(rounds)]


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - w, time.process_time() - c


def summary(walls: list[float], cpus: list[float] | None) -> dict:
    return {"median_ms": round(1000 * statistics.median(walls), 1), "max_ms": round(1000 * max(walls), 1),
            "cpu_median_ms": round(1000 * statistics.median(cpus), 1) if cpus else None}


def at(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    i = text.index(needle) + offset
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def in_process(rounds: int) -> dict:
    files, p16 = EditorFiles(), Positions()
    out = {}
    cases = {
        "one-model densenet264 spec, keystroke in its body": (Path("/tmp/densenet264.rg"), ONE_MODEL, "224, 224"),
        "zoo densenet.rg (5 models), keystroke in densenet264's line": (ZOO, ZOO.read_text(), "64, 48"),
        "zoo densenet.rg (5 models), keystroke in densenet121's body": (ZOO, ZOO.read_text(), "224, 224"),
    }
    for name, (path, text, anchor) in cases.items():
        _, wall, cpu = timed(lambda: analyze(path, text, files))
        out[f"{name}: open (cold)"] = summary([wall], [cpu])
        previous = analyze(path, text, files)  # warm: parses and imports cached
        walls, cpus = [], []
        for version in keystrokes(text, anchor, rounds):
            def step(v=version, prev=previous):
                a = analyze(path, v, files, prev)
                lsp_diagnostics(a, p16, str)
                return a
            previous, wall, cpu = timed(step)
            walls.append(wall)
            cpus.append(cpu)
        out[f"{name}: diagnostics"] = summary(walls, cpus)
    a = analyze(Path("/tmp/densenet264.rg"), ONE_MODEL, files)
    spots = {"a layer (classifier)": at(ONE_MODEL, "linear("), "the block call (features)": at(ONE_MODEL, "densenet_features"),
             "the model": at(ONE_MODEL, "densenet264"), "a name (block_config)": at(ONE_MODEL, "block_config,")}
    for label, pos in spots.items():
        fresh = analyze(Path("/tmp/densenet264.rg"), ONE_MODEL.replace("DenseNet", "DenseNet" + label), files, a)
        _, wall, cpu = timed(lambda: hover(fresh, pos))  # the first hover after a change builds the index
        walls, cpus = [wall], [cpu]
        for _ in range(rounds):
            _, wall, cpu = timed(lambda: hover(fresh, pos))
            walls.append(wall)
            cpus.append(cpu)
        out[f"hover on {label} (first after a change = max)"] = summary(walls, cpus)
        a = fresh
    walls, cpus = [], []
    for _ in range(rounds):
        _, wall, cpu = timed(lambda: hints(a, 1, 100))
        walls.append(wall)
        cpus.append(cpu)
    out["inlay hints, whole one-model document"] = summary(walls, cpus)
    text = ONE_MODEL.replace("linear(num_classes)", "linear(num_classes, ")
    pos = at(text, "num_classes, ", len("num_classes, "))
    broken = analyze(Path("/tmp/densenet264.rg"), text, files, a)
    walls, cpus = [], []
    for _ in range(rounds):
        _, wall, cpu = timed(lambda: completions(text, pos, broken, a))
        walls.append(wall)
        cpus.append(cpu)
    out["completion inside a call (text does not parse)"] = summary(walls, cpus)
    return out


async def through_server(rounds: int) -> dict:
    """didChange → publishDiagnostics and hover round trips through `python -m resgraph lsp`
    (these include the server's 10 ms debounce and the JSON framing)."""
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait((time.perf_counter(), params))

    await client.start_io(sys.executable, "-m", "resgraph", "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    uri = "file:///tmp/densenet264.rg"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "rg", 1, ONE_MODEL)))
    await published.get()
    walls = []
    for k, version in enumerate(keystrokes(ONE_MODEL, "224, 224", rounds), start=2):
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=k, uri=uri), [types.TextDocumentContentChangeWholeDocument(version)]))
        got, params = await published.get()
        assert params.version == k
        walls.append(got - sent)
    out = {"server: didChange → publishDiagnostics, one-model densenet264": summary(walls, None)}
    line, col = at(ONE_MODEL, "linear(")
    walls = []
    for _ in range(rounds):
        sent = time.perf_counter()
        await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), types.Position(line - 1, col - 1)))
        walls.append(time.perf_counter() - sent)
    out["server: hover round trip"] = summary(walls, None)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--server", action="store_true", help="also time requests through the server process")
    p.add_argument("--json", type=Path, help="write the figures to this file")
    a = p.parse_args(argv)
    analyze(Path("/tmp/warm.rg"), ONE_MODEL, EditorFiles())  # the parser's tables, the registry
    figures = in_process(a.rounds)
    if a.server:
        figures.update(asyncio.run(through_server(a.rounds)))
    width = max(map(len, figures))
    for name, f in figures.items():
        cpu = f"{f['cpu_median_ms']:7.1f} CPU" if f["cpu_median_ms"] is not None else "      - CPU"
        print(f"{name:<{width}}  {f['median_ms']:7.1f} ms median  {f['max_ms']:7.1f} max  {cpu}")
    if a.json:
        a.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
