"""Regressions from the review of issue 11: saves that replaced a user's folder or misreported
their own success, strings and nested lists without a size limit, and token limits that name
templates and command-line values slipped past."""

import json
import os
import time
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph.backend import io
from resgraph.cli import app
from resgraph.errors import LimitError, TypeError_, UsageError
from resgraph.syntax import parser, postlex
from resgraph.syntax.loader import parse_literal
from resgraph.syntax.values import MAX_LIST, show

NET = "model net {\n    input x[3, 8, 8]\n    out = x -> conv(4, 3) -> relu -> adaptive_avgpool(1) -> flatten -> linear(2)\n}\n"


def _module():
    return resgraph.compile(resgraph.loads(NET), seed=0)


def _contents(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# -- 1. a folder of the user's with a manifest.json is not an earlier save -------------------


@pytest.mark.parametrize("names", [["manifest.json", "model.rg"], ["manifest.json", "model.rg", "weights.safetensors"]])
def test_save_refuses_a_folder_whose_manifest_is_not_resgraphs(tmp_path, names):
    webapp = tmp_path / "webapp"
    webapp.mkdir()
    for name in names:
        (webapp / name).write_text('{"name": "my app"}\n' if name == "manifest.json" else "notes\n")
    before = _contents(webapp)
    spec = tmp_path / "net.rg"
    spec.write_text(NET)
    result = CliRunner().invoke(app, ["compile", str(spec), "--save", str(webapp)])
    assert result.exit_code == 2 and f"{webapp}: error: this directory" in result.output, result.output
    assert "manifest.json" in result.output and "refusing to replace it" in result.output
    with pytest.raises(UsageError, match="refusing to replace it"):
        resgraph.save_model(_module(), webapp)
    assert _contents(webapp) == before and sorted(p.name for p in tmp_path.iterdir()) == ["net.rg", "webapp"]


def test_a_resgraph_manifest_of_another_version_is_still_replaced(tmp_path):
    out = resgraph.save_model(_module(), tmp_path / "run")
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "version": 0}))
    resgraph.save_model(_module(), out)
    assert json.loads((out / "manifest.json").read_text())["version"] == io.VERSION


# -- 2. what is there is checked first, and cleanup after success is not a failure ------------


def test_an_old_save_holding_a_folder_is_refused_before_anything_is_written(tmp_path):
    out = resgraph.save_model(_module(), tmp_path / "d3")
    (out / "weights.safetensors").unlink()
    (out / "weights.safetensors").mkdir()
    (out / "weights.safetensors" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="weights.safetensors is a directory, not a file a save writes") as exc:
        resgraph.save_model(_module(), out)
    assert "nothing was written" not in str(exc.value)
    assert (out / "weights.safetensors" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d3"]  # no .d3.xxxx.old/ or .saving/


def _renames(monkeypatch, after_swap=None, instead_of_swap=None):
    """Watch io's renames: call `after_swap(old)` once the new save took the target's name, or
    raise `instead_of_swap` in place of that rename."""
    rename, aside = os.rename, []

    def watched(src, dst):
        if str(src).endswith(".saving") and aside:
            if instead_of_swap is not None:
                raise instead_of_swap
            rename(src, dst)
            after_swap(aside[0])
            return
        rename(src, dst)
        if str(dst).endswith(".old"):
            aside.append(dst)

    monkeypatch.setattr(io.os, "rename", watched)


def test_a_cleanup_failure_after_the_save_is_a_warning_not_nothing_was_written(tmp_path, monkeypatch):
    out = resgraph.save_model(_module(), tmp_path / "run0")
    module = _module()

    def swap_in_a_folder(old):  # something turns up in the old save after the check
        (old / "weights.safetensors").unlink()
        (old / "weights.safetensors").mkdir()

    _renames(monkeypatch, after_swap=swap_in_a_folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert resgraph.save_model(module, out) == out
    monkeypatch.undo()
    [leftover] = [p for p in tmp_path.iterdir() if p.name != "run0"]
    assert any(str(leftover) in str(w.message) and "delete it by hand" in str(w.message) for w in caught)
    assert resgraph.load_model(out).state_dict().keys() == module.state_dict().keys()


def test_ctrl_c_between_the_two_renames_puts_the_old_save_back(tmp_path, monkeypatch):
    out = resgraph.save_model(_module(), tmp_path / "run0")
    before = _contents(out)
    _renames(monkeypatch, instead_of_swap=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        resgraph.save_model(_module(), out)
    monkeypatch.undo()
    assert _contents(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["run0"]


# -- 3. strings and nested lists are bounded, and messages show a value's first 200 characters --


def _refused_fast(text):
    start = time.process_time()
    with pytest.raises(LimitError) as exc:
        resgraph.loads(text, path="big.rg")
    assert time.process_time() - start < 2
    return str(exc.value)


def test_doubling_a_string_stops_at_the_limit():
    lets = "".join(f"    let s{i} = s{i - 1} + s{i - 1}\n" for i in range(1, 30))
    message = _refused_fast('model m {\n    input x[1, 4, 4]\n    let s0 = "xxxxxxxxxxxxxxxx"\n' + lets + "    out = x\n}\n")
    assert message.startswith("big.rg:16:15: error: string of 131,072 characters, more than the limit 100,000")


def test_nested_lists_count_every_item():
    lets = "".join(f"    let a{i} = [{', '.join([f'a{i - 1}'] * 10)}]\n" for i in range(1, 9))
    text = "model m {\n    input x[1, 4, 4]\n    let a0 = [" + ", ".join(["1"] * 10) + "]\n" + lets
    message = _refused_fast(text + "    let bad = a8 + 1\n    out = x\n}\n")
    assert message.startswith(f"big.rg:7:14: error: list of 111110 items (counting those of the lists inside), "
                              f"more than the limit {MAX_LIST}")
    lets = "".join(f"    let t{i} = (t{i - 1}, t{i - 1})\n" for i in range(1, 20))  # tuples too
    assert "more than the limit" in _refused_fast("model m {\n    input x[1, 4, 4]\n    let t0 = (1, 1)\n"
                                                  + lets + "    out = x\n}\n")


def test_lists_nested_deeper_than_the_parser_allows_are_refused():
    lets = "".join(f"    let a{i} = [a{i - 1}]\n" for i in range(1, 70))
    assert "lists nested more than 64 deep" in _refused_fast("model m {\n    input x[1, 4, 4]\n    let a0 = [1]\n"
                                                             + lets + "    out = x\n}\n")


def test_a_message_shows_only_the_start_of_a_huge_value():
    huge = [1] * 10
    for _ in range(8):
        huge = [huge] * 10  # 10**9 items, all shared
    start = time.process_time()
    text = show(huge)
    assert time.process_time() - start < 0.1
    assert len(text) == 201 and text.startswith("[[[[[[[[[1, 1, 1") and text.endswith("…")
    assert show("x" * 10**6) == '"' + "x" * 199 + "…" and show([1, "a", (2,)]) == '[1, "a", (2,)]'
    assert show([float("nan"), object]) == "[nan, <class 'object'>]"
    params = {"n": huge}
    with pytest.raises(TypeError_) as exc:  # a value passed in from Python is shown cut too
        resgraph.loads("model m(n: int = 1) {\n    input x[n]\n    out = x\n}\n", **params)
    assert len(str(exc.value)) < 1000


# -- 4. the token limit counts the holes of name templates, and command-line values -----------


def _never_parsed(monkeypatch):
    def run(*args):
        raise AssertionError("the parser ran: the quick count let the text through")
    monkeypatch.setattr(parser, "_run", run)


def test_the_quick_count_counts_tokens_inside_template_holes(monkeypatch):
    monkeypatch.setattr(postlex, "MAX_TOKENS", 1000)
    _never_parsed(monkeypatch)
    lines = "".join(f"    h{{k}}_{{{'+'.join(['1'] * 200)}}} = x -> relu\n" for _ in range(3))
    with pytest.raises(LimitError, match="more than 1000 tokens"):
        parser.parse("model m {\n    input x[1, 4, 4]\n" + lines + "    out = x\n}\n", "big.rg")


def test_the_holes_of_one_file_share_its_token_count(monkeypatch):
    monkeypatch.setattr(postlex, "MAX_TOKENS", 1000)
    hole = "-" * 600 + "1"  # one match for the quick count, 601 tokens for the lexer
    text = f"model m {{\n    input x[1, 4, 4]\n    out = concat(h{{{hole}}}, h{{{hole}}})\n}}\n"
    with pytest.raises(LimitError) as exc:
        parser.parse(text, "big.rg")
    assert str(exc.value).startswith("big.rg:3:") and "more than 1000 tokens" in str(exc.value)


def test_command_line_values_have_the_character_and_token_limits(monkeypatch):
    with pytest.raises(LimitError, match=r"^<value>: error: the value has 4,000,003 characters, more than the limit 4,"):
        parser.parse_expr('"' + "x" * (parser.MAX_CHARS + 1) + '"')
    monkeypatch.setattr(postlex, "MAX_TOKENS", 1000)
    _never_parsed(monkeypatch)
    with pytest.raises(UsageError, match="is not a value: the value has more than 1000 tokens"):
        parse_literal("[" + "1, " * 600 + "]")


def test_the_quick_count_with_holes_never_exceeds_the_lexers(monkeypatch):
    """As test_safety_bounds checks for the bare regex: the count with holes must not refuse a
    file the parser would take (at most one per token, the tokens of every hole included)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    layout, seen = parser._parser()[2], []
    process = layout.process

    def counting(stream):
        return process(tok for tok in stream if not seen.append(tok))

    monkeypatch.setattr(layout, "process", counting)
    paths = sorted((root / "resgraph" / "zoo").glob("*.rg")) + sorted((root / "examples").glob("*.rg"))
    for path in paths:
        text, seen[:] = path.read_text(), []
        parser.parse(text, str(path))
        assert 0 < parser.quick_count(text, 10**9)[0] <= len(seen), path


def test_a_bad_command_line_value_is_quoted_short():
    from resgraph.syntax.loader import parse_literal

    with pytest.raises(UsageError) as info:
        parse_literal("[" + "1 2," * 100_000)  # the whole value was quoted: 400 kB of message
    assert len(str(info.value)) < 500 and "…' is not a value" in str(info.value)


def test_an_unreadable_save_target_is_a_usage_error_before_compiling(tmp_path, monkeypatch):
    def unreadable(directory, where):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(io, "check_target", unreadable)
    spec = Path(__file__).resolve().parents[1] / "examples" / "tiny_resnet.rg"
    result = CliRunner().invoke(app, ["compile", str(spec), "--save",
                                      str(tmp_path / "run")])
    assert result.exit_code == 2 and "cannot save here: Permission denied" in result.output
    assert "compiled" not in result.output and not isinstance(result.exception, PermissionError)
