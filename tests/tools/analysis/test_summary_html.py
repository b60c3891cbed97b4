"""A summary in a notebook is the table `resgraph summary` prints (rows and totals), not a dataclass dump."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.tools.viz.test_fold import tiny_densenet, tiny_resnet

from resgraph.tools.analysis import summarize
from resgraph.tools.analysis.units import mib, si


class _Cells(HTMLParser):
    """The text of every table row, cell by cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rows(html: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def test_one_html_row_per_summary_row_with_totals():
    s = summarize(tiny_resnet(), depth=1, batch_size=4)
    head, *body, total = _rows(s._repr_html_())
    assert head == ["layer", "op", "output shape", "params", "MACs", "activations", "connected to"]
    assert [r[0] for r in body] == [r.name for r in s.rows]
    for cells, row in zip(body, s.rows):
        assert cells[2] == row.shape and cells[3] == (f"{row.params:,}" if row.params else "")
    assert total[0] == "total" and total[3] == f"{s.totals.params:,}" and total[4] == si(s.scaled(s.totals.macs))
    assert mib(s.inference_peak_bytes) in s._repr_html_()


def test_merge_inputs_are_listed_and_no_dataclass_dump_shows():
    s = summarize(tiny_densenet())
    html = s._repr_html_()
    concat = next(r for r in s.rows if len(r.connected_to) > 1)
    assert ", ".join(concat.connected_to) in html
    assert not re.search(r"Summary\(|Row\(", html)
