"""`resgraph zoo`: the shipped specs with family, parameters, cost and reference."""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer

from .common import console, reported


def macs(graph) -> tuple[int | None, int | None]:
    """(conv + linear, all ops) multiply-accumulates per sample, from the registry's per-node rule.

    The first is what torchvision and the papers publish; the second adds batch norm, adds and
    pooling. None where the input size is unknown.
    """
    from ..tools.analysis.cost import cost_totals, layer_costs

    totals = cost_totals(layer_costs(graph))
    return (None, None) if totals.macs is None else (totals.weighted_macs, totals.macs)


def _giga(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e9:.3f}"


def zoo(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models or families to list (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable: one object per model")] = False,
) -> None:
    """List the shipped specs: family, parameters, GMACs at the default input size, reference."""
    from .. import zoo as index
    from ..api import load
    from ..errors import UsageError
    from ..tools.analysis.tables import Col, fitted
    from ..zoo.reference import describe

    everything = index.model_names()
    known = set(everything) | {index.family(m) for m in everything}
    chosen = [m for m in everything if not names or m in names or index.family(m) in names]
    with reported():
        unknown = [n for n in names or [] if n not in known]
        if unknown:
            raise UsageError(
                f"no shipped model or family called {', '.join(unknown)}",
                hint=f"families: {', '.join(sorted(known - set(everything)))}",
            )
        entries = []
        for name in sorted(chosen, key=lambda m: (index.FAMILIES.index(index.family(m)), _natural(m))):
            graph = load(name)
            weighted, total = macs(graph)
            entries.append({
                "model": name, "family": index.family(name), "input": list(graph.type_of(graph.inputs[0]).dims()),
                "params": graph.param_count(), "macs_conv_linear": weighted, "macs_all": total,
                "reference": describe(graph.doc),
            })
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    cols = [Col("model"), Col("family", drop=2), Col("input", drop=1), Col("params", right=True),
            Col("GMACs conv+fc", right=True), Col("GMACs all", right=True, drop=3),
            Col("reference", wrap=True, drop=4, min_wrap=30)]
    rows = [[e["model"], e["family"], "x".join(map(str, e["input"])), f"{e['params']:,}",
             _giga(e["macs_conv_linear"]), _giga(e["macs_all"]), e["reference"]] for e in entries]
    out = console()
    out.print(fitted("resgraph zoo", cols, rows, out.width), crop=False)


def _natural(name: str) -> tuple:
    """Sort resnet18 before resnet101: digits compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def register(app) -> None:
    app.command("zoo")(zoo)
