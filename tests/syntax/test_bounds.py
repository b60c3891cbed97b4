"""The front end's bounds: a private parser cache, located limit errors, and hostile sizes refused fast.

Times are CPU seconds with generous margins: these are bounds against blow-ups, not benchmarks.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import resgraph
from resgraph.errors import LimitError, ResgraphError
from resgraph.syntax import parser

OK = "model m {\n    input x[3]\n    out = x\n}\n"

ROOT = Path(__file__).resolve().parents[2]


class _Plant:
    """A pickle that touches `sentinel` when it is loaded: what a hostile cache file would hold."""

    def __init__(self, sentinel: Path):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return exec, (f"open({self.sentinel!r}, 'w').close()",)


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp_path / "tmp"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_a_cache_planted_in_the_temp_folder_is_never_read(tmp_path):
    env, sentinel = _env(tmp_path), tmp_path / "ran"
    # Let Lark name its temp-folder cache exactly as resgraph's parser used to, then replace it.
    made = _python("from lark import Lark\nfrom resgraph.syntax import parser as p\n"
                   "Lark(p.grammar_path().read_text(), **p.OPTIONS, cache=True)", env)
    assert made.returncode == 0, made.stderr
    (planted,) = (tmp_path / "tmp").glob(".lark_cache_*")
    planted.write_bytes(b"0\n" + pickle.dumps(_Plant(sentinel)))
    sanity = _python("from lark import Lark\nfrom resgraph.syntax import parser as p\n"
                     "Lark(p.grammar_path().read_text(), **p.OPTIONS, cache=True)", env)
    assert sanity.returncode == 0 and sentinel.exists()  # the plant works on a temp-folder cache
    sentinel.unlink()
    run = _python(f"import resgraph\nresgraph.loads({OK!r})", env)
    assert run.returncode == 0, run.stderr
    assert not sentinel.exists()


def test_the_cache_is_private_and_follows_the_grammar(tmp_path, monkeypatch):
    env = _env(tmp_path)
    run = _python(f"import resgraph\nresgraph.loads({OK!r})", env)
    assert run.returncode == 0, run.stderr
    root = tmp_path / "cache" / "resgraph"
    (cached,) = root.iterdir()
    assert root.stat().st_mode & 0o777 == 0o700 and cached.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert parser.cache_file(parser.grammar_path().read_text()) == str(cached)
    assert parser.cache_file("start: NAME") != str(cached)


def _insecure(kind: str, root: Path, name: str) -> None:
    if kind == "open dir":
        root.chmod(0o777)
    elif kind == "other owner":
        os.chown(root, 65534, 65534)
    elif kind == "writable file":
        (root / name).write_bytes(b"")
        (root / name).chmod(0o666)
    elif kind == "symlink":
        (root.parent / "elsewhere").write_bytes(b"")
        (root / name).symlink_to(root.parent / "elsewhere")


@pytest.mark.parametrize("kind", ["open dir", "other owner", "writable file", "symlink"])
def test_an_insecure_cache_is_not_used(tmp_path, monkeypatch, kind):
    if kind == "other owner" and os.getuid() != 0:
        pytest.skip("making a directory of another owner needs root")
    env, sentinel = _env(tmp_path), tmp_path / "ran"
    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
    grammar = parser.grammar_path().read_text()
    path = Path(parser.cache_file(grammar))
    root = path.parent
    _insecure(kind, root, path.name)
    assert parser.cache_file(grammar) is None
    target = path.resolve() if kind == "symlink" else path
    target.write_bytes(b"0\n" + pickle.dumps(_Plant(sentinel)))
    run = _python(f"import resgraph\nresgraph.loads({OK!r})", env)
    assert run.returncode == 0, run.stderr
    assert not sentinel.exists()


def test_deep_brackets_name_the_file():
    text = "model m {\n    input x[3]\n    let v = " + "[" * 70 + "1" + "]" * 70 + "\n    out = x\n}\n"
    with pytest.raises(LimitError) as info:
        resgraph.loads(text, path="deep.rg")
    assert str(info.value).startswith("deep.rg:3:76: error: brackets nested more than 64 deep")


def _refused(text: str, *, memory: bool = True, seconds: float = 2.0) -> ResgraphError:
    """The error for `text`, asserting that it came within `seconds` of CPU and 500 MiB."""
    if memory:
        tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(ResgraphError) as info:
            resgraph.loads(text, path="big.rg")
    finally:
        spent = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
        tracemalloc.stop()
    assert spent < seconds * (3 if memory else 1), f"{spent:.2f} s"
    assert peak < 500 * 2**20, f"{peak / 2**20:.0f} MiB"
    return info.value


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_a_name_range_product_is_counted_before_it_is_built(n):
    exc = _refused(f"model m {{\n    input x[3]\n    out = concat(x, h{{1..={n}}}_{{1..={n}}})\n}}\n")
    assert isinstance(exc, LimitError)
    assert str(exc).startswith("big.rg:3:21: error: a name range of at least")


def test_merge_operands_are_bounded_together():
    ranges = ", ".join(["h{1..=6000}"] * 40)
    exc = _refused(f"model m {{\n    input x[3]\n    out = concat({ranges})\n}}\n")
    assert str(exc).startswith("big.rg:3:11: error: concat() with more than 10000 operands")


def test_a_name_range_of_many_parts_is_refused_before_any_part_becomes_names():
    parts = "{1..=100000}" * 60  # each part was a list of 100,000 names before the product was counted
    exc = _refused(f"model m {{\n    input x[3]\n    out = concat(x, h{parts})\n}}\n", seconds=1.0)
    assert str(exc).startswith("big.rg:3:21: error: a name range of")


@pytest.mark.parametrize("body", [
    "out = x -> relu * 100000",  # valid below the iteration limit, but 10 s to build
    "for i in 1..=2200 {\n        for j in 1..=2200 { let a = i }\n    }\n    out = x",  # 4.8M steps
    "for i in 1..=6 {\n        h{i} = concat(x, h{1..9999})\n    }\n    out = h6",
])
def test_what_would_take_seconds_to_build_is_refused_within_two(body):
    _refused(f"model m {{\n    input x[3, 8, 8]\n    {body}\n}}\n", memory=False)


def test_a_huge_dense_block_is_refused_early():
    text = "import densenet_blocks\nmodel m {\n    input x[64, 8, 8]\n    out = x -> dense_block(10000, 12)\n}\n"
    exc = _refused(text, memory=False)
    assert "densenet_blocks.rg:15:5: error: this would build about" in str(exc)


def test_nested_loops_are_judged_by_the_inner_first_round():
    exc = _refused("model m {\n    input x[3]\n    for i in 0..100000 {\n        for j in 0..100000 { let a = 1 }\n"
                   "    }\n    out = x\n}\n", seconds=0.5, memory=False)
    assert str(exc).startswith("big.rg:4:9: error: this would build about")


def test_a_huge_file_is_refused_before_parsing():
    lets = "".join(f"    let v{i} = {i}\n" for i in range(700_000))  # 17 MB
    exc = _refused("model m {\n    input x[3]\n" + lets + "    out = x\n}\n", memory=False)
    assert exc.message.startswith("the file has 17,") and exc.span.line == 0 and exc.span.path == "big.rg"


def test_a_long_line_is_refused_at_the_token_limit():
    # tokens are counted by one regex before the parser (~20-35 us a token here) sees the file
    exc = _refused("model m {\n    input x[3]\n    let v = [" + "1," * 500_000 + "]\n    out = x\n}\n",
                   memory=False, seconds=1.0)
    assert str(exc).startswith("big.rg:3:") and "more than 100000 tokens" in exc.message


def test_the_token_count_never_exceeds_the_lexers(monkeypatch):
    """The quick count must not refuse what the parser would take: at most one match per token."""
    from resgraph.syntax.parser import _TOKENISH, _parser

    layout, seen = _parser()[2], []
    process = layout.process

    def counting(stream):  # every token the lexer makes, before the postlexer drops newlines
        return process(tok for tok in stream if not seen.append(tok))

    monkeypatch.setattr(layout, "process", counting)
    for path in sorted((ROOT / "resgraph" / "zoo").glob("*.rg")) + sorted((ROOT / "examples").glob("*.rg")):
        text, seen[:] = path.read_text(), []
        parser.parse(text, str(path))
        assert 0 < sum(1 for _ in _TOKENISH.finditer(text)) <= len(seen), path


def test_errors_stop_at_a_hundred():
    lets = "".join(f"    let v{i} = q\n" for i in range(5000))
    exc = _refused("model m {\n    input x[3]\n" + lets + "    out = x\n}\n", memory=False)
    assert len(exc.diagnostics) == 100 and "stopped after 100 errors" in str(exc)


def test_a_deep_expression_is_located_at_its_statement():
    exc = _refused("model m {\n    input x[3]\n    let v = 1" + " + 1" * 3000 + "\n    out = x\n}\n")
    assert str(exc).startswith("big.rg:3:5: error: this statement nests too deeply")
