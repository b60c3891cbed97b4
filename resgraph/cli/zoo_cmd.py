"""`resgraph zoo`: the shipped specs with family, parameters, cost and reference."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import reported


def macs(graph) -> tuple[int | None, int | None]:
    """(conv + linear, all ops) multiply-accumulates per sample, from the registry's per-node rule.

    The first is what torchvision and the papers publish; the second adds batch norm, adds and
    pooling. None where the input size is unknown.
    """
    weighted = total = 0
    for n in graph:
        opdef = graph.opdef(n)
        operands = [graph.type_of(u) for u in graph.inputs_of(n)]
        m = opdef.macs(graph.attrs(n), operands, graph.type_of(n))
        if m is None:
            return None, None
        total += m
        weighted += m if opdef.weighted else 0
    return weighted, total


def _giga(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e9:.3f}"


def zoo(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models or families to list (default: all).")
    ] = None,
) -> None:
    """List the shipped specs: family, parameters, GMACs at the default input size, reference."""
    from rich.console import Console
    from rich.table import Table

    from .. import zoo as index
    from ..api import load
    from ..errors import UsageError

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
        table = Table(title="resgraph zoo", title_justify="left")
        for col, justify in [
            ("model", "left"),
            ("family", "left"),
            ("input", "left"),
            ("params", "right"),
            ("GMACs conv+fc", "right"),
            ("GMACs all", "right"),
            ("reference", "left"),
        ]:
            table.add_column(col, justify=justify)
        for name in sorted(
            chosen, key=lambda m: (index.FAMILIES.index(index.family(m)), _natural(m))
        ):
            graph = load(name)
            weighted, total = macs(graph)
            shape = graph.type_of(graph.inputs[0])
            table.add_row(
                name,
                index.family(name),
                "x".join(map(str, shape.dims())),
                f"{graph.param_count():,}",
                _giga(weighted),
                _giga(total),
                reference(graph.doc),
            )
    Console().print(table)


def reference(doc: str | None) -> str:
    """What a zoo docstring says before its first colon: "ResNet-50 v1.5 (He et al. 2015; ...)"."""
    return " ".join((doc or "").split()).split(": ")[0]


def _natural(name: str) -> tuple:
    """Sort resnet18 before resnet101: digits compare as numbers."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def register(app) -> None:
    app.command("zoo")(zoo)
