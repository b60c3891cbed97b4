"""Human-readable renderings (rich tables fitted to the console) of the analysis results.

Tables are fitted to the console's width (`fitted`): a name or a number is never cut, so a table
that is too wide wraps its descriptive text, then drops its optional columns, and at last shows
one record per row.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from .paths import PathStats, edge_labels, fan_in_label
from .summary import Summary
from .units import mib, si


def big(n: int) -> str:
    """Exact below a million, else mantissa and power of ten (path counts reach 10^30 and more),
    with the power of two when it is one (2^k paths: k independent skip-or-not choices)."""
    if n < 10**6:
        return f"{n:,}"
    digits = str(n)
    text = f"{digits[0]}.{digits[1:3]}e{len(digits) - 1}"
    return f"{text} (2^{n.bit_length() - 1})" if n & (n - 1) == 0 else text


@dataclass(frozen=True)
class Col:
    """A column of a fitted table.

    `wrap`: descriptive text, which may go onto more lines (at least `min_wrap` wide, and never
    narrower than its longest word); other cells are names and numbers, always shown whole.
    `drop`: 0 for a column always shown, else dropped when the width is short, highest first.
    """

    header: str
    right: bool = False
    wrap: bool = False
    drop: int = 0
    footer: str | None = None
    min_wrap: int = 20


GAP = 2  # spaces between columns (collapsed padding, no vertical rules)


def fitted(title: str, cols: list[Col], rows: list[list[str]], width: int) -> RenderableType:
    """A table of `rows` no wider than `width` with every name and number whole: descriptive
    columns wrap first, then optional columns go (highest `drop` first), then one record per row.
    Print it with `crop=False`: a single value longer than the width stays whole."""
    keep = list(range(len(cols)))
    for level in sorted({c.drop for c in cols if c.drop}, reverse=True) + [None]:
        widths = _widths([cols[i] for i in keep], [[r[i] for i in keep] for r in rows], width)
        if widths is not None:
            return _table(title, [cols[i] for i in keep], [[r[i] for i in keep] for r in rows], widths)
        keep = [i for i in keep if level is None or cols[i].drop < level]
    return _records(title, cols, rows, width)


def _widths(cols: list[Col], rows: list[list[str]], width: int) -> list[int] | None:
    """Column widths within `width` (wrapped columns share what is left), or None if none fit."""
    def longest(texts, words=False):
        return max((cell_len(w) for t in texts for w in (t.split() if words else [t])), default=0)

    natural, least = [], []
    for i, c in enumerate(cols):
        cells = [r[i] for r in rows] + [c.footer or ""]
        full = max(longest(cells), cell_len(c.header) if c.wrap else 0, longest([c.header], words=True))
        natural.append(max(full, cell_len(c.header)))
        least.append(max(min(full, c.min_wrap), longest(cells, words=True), longest([c.header], words=True))
                     if c.wrap else full)
    room = width - GAP * (len(cols) - 1)
    if sum(natural) <= room:
        return natural
    if sum(least) > room:
        return None
    widths, spare = list(least), room - sum(least)
    for i, c in enumerate(cols):  # what is left goes to the wrapped columns, in order
        if c.wrap:
            extra = min(spare, natural[i] - widths[i])
            widths[i] += extra
            spare -= extra
    return widths


def _table(title: str, cols: list[Col], rows: list[list[str]], widths: list[int]) -> Table:
    """Cells as Text, so a `[` in a name or a reference is shown, not read as Rich markup."""
    footer = any(c.footer is not None for c in cols)
    table = Table(title=Text(title), box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False,
                  collapse_padding=True, show_footer=footer)
    for c, w in zip(cols, widths):
        table.add_column(Text(c.header), footer=Text(c.footer or ""), justify="right" if c.right else "left",
                         width=w, overflow="fold")
    for r in rows:
        table.add_row(*map(Text, r))
    return table


class Lines:
    """Lines shown as they are: Rich neither wraps nor pads them (print with crop=False)."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def __rich_console__(self, console, options):
        for line in self.lines:
            yield Segment(line)
            yield Segment.line()


def _records(title: str, cols: list[Col], rows: list[list[str]], width: int) -> Lines:
    """One block per row: its first cell, then `header  value` lines, text wrapped to the width."""
    pad = max(cell_len(c.header) for c in cols[1:]) + 2
    lines = [title, ""]
    for r in [*rows, [c.footer or "" for c in cols]] if cols[0].footer else rows:
        lines.append(r[0])
        for c, value in zip(cols[1:], r[1:]):
            if not value:
                continue
            if 2 + pad + cell_len(value) <= width:
                lines.append(f"  {c.header:<{pad}}{value}")
            else:  # the value whole (wrapped at spaces if it is text) on lines of its own
                lines.append(f"  {c.header}")
                parts = textwrap.wrap(value, max(1, width - 4), break_long_words=False) if c.wrap else [value]
                lines.extend("    " + part for part in parts)
    return Lines(lines)


def pack(lead: str, items: list[str], width: int) -> str:
    """`lead`, three spaces, then `items` space-separated, broken between items (never inside one)
    where a line would pass `width`; continuation lines are indented by four."""
    lines, line = [], lead
    for k, item in enumerate(items):
        joint = " " if k else "   "
        if cell_len(line + joint + item) > width and line.strip():
            lines.append(line)
            line = "    " + item
        else:
            line += joint + item
    return "\n".join([*lines, line])


def summary_table(s: Summary, width: int = 200) -> RenderableType:
    total = s.totals.params or 1
    t = s.totals
    cols = [
        Col("layer", footer="total"),
        Col("op", drop=3),
        Col("output shape", drop=2),
        Col("params", right=True, footer=f"{t.params:,}"),
        Col("% params", right=True, drop=5, footer="100.0"),
        Col("MACs", right=True, footer=si(s.scaled(t.macs))),
        Col("activations", right=True, drop=1,
            footer=mib(s.scaled(None if t.activations is None else t.activations * 4))),
        Col("connected to", wrap=True, drop=4),
    ]
    rows = [
        [r.name, r.op, r.shape, f"{r.params:,}" if r.params else "", f"{100 * r.params / total:.1f}" if r.params else "",
         si(r.macs) if r.macs else ("?" if r.macs is None else ""), mib(r.activation_bytes), ", ".join(r.connected_to)]
        for r in s.rows
    ]
    return fitted(f"{s.model} (batch size {s.batch_size})", cols, rows, width)


def summary_footer(s: Summary, width: int = 200) -> str:
    """The totals, one per line; an explanation that does not fit goes on indented lines below."""
    t = s.totals
    hint = ["(? = needs a known input size: pass --input-shape C,H,W)"] if t.macs is None else []
    peak = f", reached at {s.inference_peak_at})" if s.inference_peak_at else ")"
    saved = [f"{op} {mib(b)};" for op, b in sorted(s.training_saved_by_op.items(), key=lambda kv: -kv[1])]
    saved = ["(what autograd keeps for backward;", *saved] if saved else ["(what autograd keeps for backward)"]
    saved[-1] = saved[-1].removesuffix(";").removesuffix(")") + ")"
    col = 25 if width >= 60 else 0  # labels aligned where there is room

    def lead(label: str, value: str) -> str:
        return f"{label}: ".ljust(col) + value

    return "\n".join([*hint,
        lead("parameters", f"{t.params:,}"),
        pack(lead("MACs, conv + linear", si(s.scaled(t.weighted_macs))),
             "(what torchvision/fvcore/thop report)".split(), width),
        pack(lead("MACs, other ops", si(s.scaled(t.other_macs))),
             "(bn, add, pooling; concat copies, adds nothing)".split(), width),
        pack(lead("inference peak", mib(s.inference_peak_bytes)), f"(live activations, float32{peak}".split(), width),
        pack(lead("training, saved", mib(s.training_saved_bytes)), [*saved[0].split(), *saved[1:]], width),
    ])


def histogram(distribution: dict[int, int], width: int = 40) -> Text:
    """One bar per path length that occurs, scaled to the most common length, with its share.
    A line is `width` + 32 columns: pass the console's width less 32."""
    top, total = max(distribution.values()), sum(distribution.values())
    text = Text()
    for k, c in sorted(distribution.items()):
        bar = "█" * round(width * c / top)
        text.append(f"{k:5d} {bar:<{width}} {big(c):>16} {100 * c / total:7.3f}%\n")
    return text


def path_table(p: PathStats, width: int = 200) -> RenderableType:
    labels = edge_labels()
    rows = [
        *((labels[kind], f"{n:,}") for kind, n in p.edges.items()),
        (fan_in_label(), f"{p.mean_fan_in:.2f}"),
        ("weighted layers (conv, linear)", f"{p.weighted_layers:,}"),
        ("longest input→output path", f"{p.longest} weighted layers"),
        ("shortest input→output path", f"{p.shortest} weighted layers"),
        ("distinct input→output paths", big(p.paths)),
        ("mean path length", f"{p.mean_length:.2f}"),
        ("most common path length", f"{p.mode_length}"),
        ("farthest layer from the loss", f"{p.max_to_output} weighted layers (shortest route)"),
    ]
    return fitted("connectivity and paths", [Col("metric", wrap=True, min_wrap=16), Col("value", right=True)],
                  [list(r) for r in rows], width)


def layers_table(p: PathStats, norms: dict[str, float] | None, width: int = 200) -> RenderableType:
    """Each weighted layer by depth: how far from the input, how far from the loss (and its
    gradient norm when there is one)."""
    cols = [Col("layer"), Col("depth", right=True), Col("to output", right=True)]
    cols += [Col("‖dL/dW‖", right=True)] if norms else []
    rows = [[name, str(depth), str(p.to_output.get(name, "—")), *([f"{norms[name]:.3e}"] if norms else [])]
            for name, depth in sorted(p.depth.items(), key=lambda kv: kv[1])]
    return fitted("weighted layers: depth from the input, distance to the loss", cols, rows, width)


def compare_table(results: dict[str, dict[str, object]], width: int = 200) -> RenderableType:
    from .compare import metrics

    cols = [Col("metric", wrap=True, min_wrap=16), *(Col(name, right=True) for name in results)]
    rows = []
    for key, metric in metrics().items():
        values = [results[m].get(key, "absent") for m in results]
        if all(v == "absent" for v in values):
            continue
        rows.append([metric.label, *(_format(v, metric.kind) for v in values)])
    return fitted("compare", cols, rows, width)


def _format(value: object, kind: str) -> str:
    if value is None or value == "absent":
        return "?"
    if kind == "count":
        return f"{value:,}"
    if kind == "si":
        return si(value)
    if kind == "big":
        return big(value)
    if kind == "bytes":
        return mib(value)
    if kind == "float":
        return f"{value:.3g}"
    if kind == "time":
        return f"{1000 * value:.1f} ms"
    return str(value)
