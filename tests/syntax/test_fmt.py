"""`resgraph fmt`: one canonical layout, comments kept, idempotent, never changes the graph."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph.cli import app
from resgraph.errors import SyntaxError_
from resgraph.syntax.fmt import format_text
from resgraph.syntax.loader import load_unit
from resgraph.syntax.unparse import structural_diff

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted([*(ROOT / "resgraph" / "zoo").glob("*.rg"), *(ROOT / "examples").glob("*.rg")])
BIG = {"resnet152", "resnet101", "cifar_resnet1202", "densenet264", "densenet201", "densenet161",
         "densenet169", "densenet_bc_250_k24", "densenet_bc_190_k40", "wide_resnet50_2", "resnext50_32x4d"}

MESSY = '''# leading comment
"""File doc."""
import   "lib.rg"
block  b( c:int,stride :int=1 ) {   # header
  """Block doc."""
  # about f
  f=in->conv(c,3,stride,bias=false)->bn   # trailing
      -> relu

  let  k = ( c*2 )+1
  out=add( f , in )
}
model m {
    input x[ 4 , 8, 8 ]
    out = x -> b(4) -> if true { relu } -> conv(4, 3, padding=(1,1), dilation=1)
}
# the end
'''


def test_fmt_is_idempotent_and_keeps_every_graph(tmp_path):
    for spec in SPECS:
        text = spec.read_text()
        once = format_text(text, str(spec))
        assert format_text(once, str(spec)) == once, spec.name
        folder = tmp_path / spec.parent.name  # a copy of the folder, so that imports resolve
        if not folder.exists():
            folder.mkdir()
            for other in spec.parent.glob("*.rg"):
                (folder / other.name).write_text(other.read_text())
        (folder / spec.name).write_text(once)
        for name in load_unit(spec).file.models:
            if name in BIG:
                continue
            before = resgraph.load(spec, model=name)
            after = resgraph.load(folder / spec.name, model=name)
            assert structural_diff(before, after) == [], (spec.name, name)
            assert after.doc == before.doc and after.params == before.params


def test_canonical_layout_keeps_comments_and_docstrings():
    out = format_text(MESSY)
    assert out == '''# leading comment
"""File doc."""

import "lib.rg"

block b(c: int, stride: int = 1) {  # header
    """Block doc."""
    # about f
    f = in -> conv(c, 3, stride, bias=false) -> bn -> relu  # trailing

    let k = c * 2 + 1
    out = add(f, in)
}

model m {
    input x[4, 8, 8]
    out = x -> b(4) -> if true { relu } -> conv(4, 3, padding=(1, 1), dilation=1)
}

# the end
'''
    assert format_text(out) == out


def test_long_chains_break_at_arrows_and_groups_take_their_own_lines():
    text = ("model m(n: int = 2) {\n input x[3, 32, 32]\n"
            " out = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu -> layer1: [conv(16, 3) -> bn] * n"
            " -> layer2: [conv(32, 3, 2) -> bn -> relu -> conv(32, 3) -> bn -> relu -> conv(32, 3) -> bn"
            " -> relu -> conv(32, 3, bias=false)] -> adaptive_avgpool(1) -> flatten -> fc: linear(10)\n}\n")
    out = format_text(text)
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "\n            -> layer1: [conv(16, 3) -> bn] * n\n" in out
    assert "\n            -> layer2: [\n                conv(32, 3, 2)\n                -> bn\n" in out
    assert format_text(out) == out
    assert structural_diff(resgraph.loads(text), resgraph.loads(out)) == []


def test_bad_input_is_reported_and_left_untouched(tmp_path):
    bad = tmp_path / "bad.rg"
    bad.write_text("model m {\n    out = x -> (\n}\n")
    with pytest.raises(SyntaxError_):
        format_text(bad.read_text())
    result = CliRunner().invoke(app, ["fmt", str(bad)])
    assert result.exit_code == 1 and "unexpected '('" in result.output
    assert bad.read_text() == "model m {\n    out = x -> (\n}\n"


def test_check_lists_files_that_would_change_and_writes_nothing(tmp_path):
    messy, tidy = tmp_path / "messy.rg", tmp_path / "tidy.rg"
    messy.write_text("model m {\n input x[3]\n out=x->relu\n}\n")
    tidy.write_text(format_text(messy.read_text()))
    runner = CliRunner()
    result = runner.invoke(app, ["fmt", "--check", str(messy), str(tidy)])
    assert result.exit_code == 1 and f"would reformat {messy}" in result.output
    assert str(tidy) not in result.output and "out=x->relu" in messy.read_text()
    result = runner.invoke(app, ["fmt", str(messy), str(tidy)])
    assert result.exit_code == 0 and messy.read_text() == tidy.read_text()
    assert runner.invoke(app, ["fmt", "--check", str(messy), str(tidy)]).exit_code == 0


def test_every_shipped_spec_and_example_is_in_canonical_layout():
    root = Path(__file__).resolve().parents[2]
    files = sorted([*(root / "resgraph" / "zoo").glob("*.rg"), *(root / "examples").glob("*.rg")])
    assert files
    for path in files:
        text = path.read_text()
        assert format_text(text, str(path)) == text, f"run `resgraph fmt {path.relative_to(root)}`"
