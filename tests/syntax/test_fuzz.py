"""Hostile input: whatever the text, the front end answers with a located ResgraphError, never a traceback.

The shipped-file fuzz mutates every `.rg` file we ship and loads each mutant the way a user would:
from disk, every model of a multi-model file by `model=`, and a block library through the shipped
files that import it. Each mutant runs in a worker subprocess under a time and memory limit, so a
hang or a blow-up is a reported failure rather than a stuck or dead test run.
`benchmarks/fuzz.py` runs the same machinery at scale (`--mutants 10000`).
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resgraph
from resgraph.errors import ResgraphError

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 5.0  # CPU seconds a mutant may take before it counts as slow (CPU: the cores are shared)
HANG_LIMIT = 3 * TIME_LIMIT  # wall seconds before a worker that does not answer is killed (a hang)
MEMORY_LIMIT = 1 << 30  # address space of a worker: a blow-up past it is a failure, not a dead machine
OK = ("valid", "located")


def shipped_specs() -> list[Path]:
    """Every shipped .rg file, globbed at test time (the zoo grows while we work)."""
    return sorted([*(ROOT / "resgraph" / "zoo").glob("*.rg"), *(ROOT / "examples").glob("*.rg")])


# -- what a mutant of a file is checked against ----------------------------------------------------

# `path:line:col: error: ` or, for an error about the whole file, `path: error: `
_WHERE = re.compile(r"(?P<path>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: error: ")


def read_spec(path: str | Path) -> str:
    """A spec's text as the loader sees it: newlines untranslated, bytes that are not UTF-8 kept
    as surrogates."""
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        return f.read()


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def unlocated(exc: ResgraphError, path: str, texts: dict[str, str]) -> str | None:
    """Why `exc` is not located in `path` (or a real spec file it imported), or None if it is.

    A line number must exist in that file, and the source line quoted under the message must be
    that line (its letters and digits: how odd characters are shown is the renderer's business).
    `texts` holds the text of files that are not on disk (`loads`).
    """
    errors = [d for d in exc.diagnostics if d.severity == "error"]
    if not errors:
        return f"{type(exc).__name__} without an error diagnostic: {str(exc)[:300]!r}"
    for diag in errors:
        rendered = diag.render().split("\n")
        first = rendered[0]
        m = _WHERE.match(first)
        where = m and m["path"]
        if where != path and not (where and where.endswith(".rg") and os.path.isfile(where)):
            return f"not located in {path} or a spec it imports: {first[:300]!r}"
        if m["line"] is not None:
            text = texts[where] if where in texts else read_spec(where)
            line, col = int(m["line"]), int(m["col"])
            lines = text.split("\n")
            if not (1 <= line <= len(lines) and col >= 1):
                return f"points outside {where} ({len(lines)} lines): {first[:300]!r}"
            quoted = rendered[1][4:] if len(rendered) > 2 and rendered[2].lstrip().startswith("^") else ""
            if _alnum(quoted) not in _alnum(lines[line - 1]):
                return f"quotes {quoted[:200]!r} as line {line} of {where}, which is {lines[line - 1][:200]!r}"
    return None


def outcome(load, path: str, texts: dict[str, str] | None = None) -> tuple[str, str, float]:
    """("valid" | "located" | "unlocated" | "crash", detail, CPU seconds) of calling `load()`."""
    start = time.process_time()
    try:
        load()
    except ResgraphError as exc:
        took = time.process_time() - start
        why = unlocated(exc, path, texts or {})
        return ("located", "", took) if why is None else ("unlocated", why, took)
    except Exception as exc:  # noqa: BLE001 - any other exception is the failure being looked for
        took = time.process_time() - start
        detail = "".join(traceback.format_exception(exc)[-12:])
        return "crash", f"{type(exc).__name__}: {exc}"[:300] + "\n" + detail[-3000:], took
    return "valid", "", time.process_time() - start


def assert_located(text: str, path: str) -> None:
    """`loads` of `text` is valid or a located error (the in-process check of the hypothesis tests)."""
    kind, detail, _ = outcome(lambda: resgraph.loads(text, path=path), path, {path: text})
    assert kind in OK, f"{kind}: {detail}\nfor {text!r}"


# -- mutations -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE_END = re.compile(r"\.\.=?\s*(\w+)")
_REPEAT = re.compile(r"\*\s*(\w+|\([^()\n]*\))")
_IMPORT_LINE = re.compile(r'^([ \t]*import[ \t]+)(?:"([^"\n]*)"|([A-Za-z_]\w*))', re.MULTILINE)
_VALUE = re.compile(r"[A-Za-z_]\w*(?=[ \t]*(?:->|,|\)|\]|$))", re.MULTILINE)  # a name used as a value
NAMES = ["model", "block", "in", "out", "input", "let", "for", "if", "else", "import", "option", "true",
         "none", "type", "class", "__init__", "self", "forward", "torch", "x", "conv", "relu", "bn",
         "add", "concat", "linear", "len", "h", "ℌ", "x\u0301", "ñ", "a" * 5000]
ODD_CHARS = ["\f", "\v", "\x85", "\u2028", "\u2029", "\x00", "\r", "\r\n", "\t", "\x1b", "\x7f", "\ufeff",
             "\u200b", "\u00a0", "\U0001F600", "\udcff", "\udcc3", "é", '"', "\\", "#", "{", "}"]
HUGE = ["1" + "0" * k for k in (9, 10, 18, 19, 30, 31, 100, 400, 5000)] + [
    "1e400", "1e-400", "1.7976931348623157e308", "-" + "9" * 40, "1048576", "4294967297", "0.0"]
IMPORTS = ["/etc/passwd", "/dev/zero", "/dev/null", "/", "..", "a\x00.rg", "nosuch.rg", "resnet.rg",
           "../zoo/resnet_blocks.rg", "../examples/tiny_resnet.rg", "resnet", "nosuch", "cifar_blocks"]
RANGES = ["{0}{{1..=100000}}", "{0}{{1..=1000000000}}", "{0}{{1..=1000}}_{{1..=1000}}",
          "{0}{{1..=10000}}_{{1..=10000}}", "{0}{{1..=100000}}_{{1..=100000}}", "concat({0}, {0}{{1..=100000}})",
          "{0}{{0..100000}}.channels"]


_PROSE = re.compile(r'"""(?:.|\n)*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def _pick(rng: random.Random, pattern: re.Pattern, text: str, prose: bool = False):
    """A random match of `pattern`; outside strings and comments unless `prose` (where a change is
    rarely more than a different docstring)."""
    found = list(pattern.finditer(text))
    if not prose:
        skip = [m.span() for m in _PROSE.finditer(text)]
        found = [m for m in found if not any(a <= m.start() < b for a, b in skip)] or found
    return rng.choice(found) if found else None


def _splice(text: str, m: re.Match | None, new: str, group: int = 0) -> str:
    return text if m is None else text[:m.start(group)] + new + text[m.end(group):]


def _truncate(text, rng):
    return text[: rng.randrange(len(text) + 1)]


def _delete_line(text, rng):
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    return "".join(lines[:i] + lines[i + 1:])


def _flip_number(text, rng):
    digit = _pick(rng, re.compile(r"\d"), text, prose=True)
    return _splice(text, digit, rng.choice(["0", "9", "99999", "-1", "1.5"]))


def _random_chars(text, rng):
    i = rng.randrange(len(text) + 1)
    return text[:i] + "".join(chr(rng.randrange(1, 0x250)) for _ in range(rng.randrange(1, 6))) + text[i:]


def _swap_lines(text, rng):
    lines = text.splitlines(keepends=True)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def _swap_tokens(text, rng):
    a, b = sorted([_pick(rng, _TOKEN, text), _pick(rng, _TOKEN, text)], key=lambda m: m.start())
    if a.start() == b.start():
        return text
    return text[:a.start()] + b[0] + text[a.end():b.start()] + a[0] + text[b.end():]


def _duplicate_line(text, rng):
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    return "".join(lines[:i + 1] + lines[i:])


def _odd_chars(text, rng):
    """Control, separator and non-UTF-8 characters, half the time just inside a string."""
    quotes = [m.end() for m in re.finditer('"', text)]
    i = rng.choice(quotes) if quotes and rng.random() < 0.5 else rng.randrange(len(text) + 1)
    pool = ODD_CHARS + [chr(rng.choice([rng.randrange(0x20, 0xD800), rng.randrange(0xE000, 0x110000)]))]
    return text[:i] + "".join(rng.choice(pool) for _ in range(rng.randrange(1, 4))) + text[i:]


def _change_identifier(text, rng):
    """One name becomes another (a keyword, a Python name, unicode, a long one), or is renamed everywhere."""
    m = _pick(rng, _IDENT, text)
    new = rng.choice([rng.choice(NAMES), m[0] + "_", m[0][:-1] or "_", _pick(rng, _IDENT, text)[0]])
    if rng.random() < 0.3:
        return re.sub(rf"\b{re.escape(m[0])}\b", lambda _: new, text)
    return _splice(text, m, new)


def _deep_nesting(text, rng):
    depth = rng.choice([63, 64, 65, 200, 5000, 100000])
    opener, closer = rng.choice(["()", "[]", "{}"])
    m = _pick(rng, _TOKEN, text)
    closing = closer * depth if rng.random() < 0.8 else ""
    return _splice(text, m, opener * depth + m[0] + closing)


def _huge_number(text, rng):
    return _splice(text, _pick(rng, _NUMBER, text), rng.choice(HUGE))


def _long_range(text, rng):
    """A loop bound or repeat count of 10^5 and more, or a name used as a value becomes a range
    of 10^5 names and more (ranges side by side multiply)."""
    bound = _pick(rng, rng.choice([_RANGE_END, _REPEAT]), text)
    if bound is not None and rng.random() < 0.3:
        return _splice(text, bound, rng.choice(["100000", "10000000", "10**12"]), 1)
    m = _pick(rng, _VALUE, text)
    return _splice(text, m, rng.choice(RANGES).format(m[0]))


def _import_path(text, rng):
    """An import of something that is not a spec, of nothing, of itself or of a spec that clashes."""
    target = rng.choice(IMPORTS)
    line = f'import "{target}"\n' if not target.isidentifier() else f"import {target}\n"
    m = _pick(rng, _IMPORT_LINE, text)
    if m is not None and rng.random() < 0.5:
        return text[:m.start()] + line.rstrip("\n") + text[m.end():]
    first = re.search(r"^(?:import|block|model)\b", text, re.MULTILINE)  # after the file's docstring
    at = first.start() if first else 0
    return text[:at] + line + text[at:]


CLASSIC = {"truncate": _truncate, "delete_line": _delete_line, "flip_number": _flip_number,
           "random_chars": _random_chars, "swap_lines": _swap_lines}
MUTATIONS = {**CLASSIC, "swap_tokens": _swap_tokens, "duplicate_line": _duplicate_line,
             "odd_chars": _odd_chars, "change_identifier": _change_identifier,
             "deep_nesting": _deep_nesting, "huge_number": _huge_number, "long_range": _long_range,
             "import_path": _import_path}


def mutations(text: str, rng: random.Random, n: int, kinds=CLASSIC) -> list[str]:
    """`n` mutants of `text`, each of a kind drawn from `kinds`."""
    return [kinds[rng.choice(sorted(kinds))](text, rng) for _ in range(n)]


# -- which file is mutated and how it is loaded ----------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A shipped file to mutate (`mutated`), the shipped file then loaded (`entry`) and the model."""

    mutated: str
    entry: str
    model: str | None

    def __str__(self) -> str:
        via = "" if self.entry == self.mutated else f" via {Path(self.entry).name}"
        return f"{Path(self.mutated).name}{via} model={self.model}"


def _imports(path: Path) -> list[Path]:
    from resgraph import zoo
    from resgraph.syntax.parser import parse

    out = []
    for imp in parse(read_spec(path), str(path)).imports:
        target = (path.parent / imp.target) if imp.is_path else zoo.module_path(imp.target)
        out.append(target.resolve())
    return out


def targets() -> list[Target]:
    """Every model of every shipped file (and the file with no model named where it has several);
    every block library through each model of each shipped file that imports it, and on its own."""
    from resgraph.syntax.parser import parse

    specs = shipped_specs()
    models = {p: list(parse(read_spec(p), str(p)).models) for p in specs}
    closure = {}
    for p in specs:
        seen, todo = set(), _imports(p)
        while todo:
            q = todo.pop()
            if q not in seen:
                seen.add(q)
                todo.extend(_imports(q))
        closure[p] = seen
    out = []
    for p in specs:
        if models[p]:
            out += [Target(str(p), str(p), m) for m in models[p] + ([None] if len(models[p]) > 1 else [])]
        else:
            out.append(Target(str(p), str(p), None))
            out += [Target(str(p), str(q), m) for q in specs if p in closure[q] for m in models[q]]
    return out


def jobs(seed: int, count: int) -> list[dict]:
    """Mutant `i` of run `seed`: targets round-robin, each round shifting the kinds by one so that
    every target meets every kind; each mutant has its own RNG, so one can be replayed alone."""
    every, kinds = targets(), sorted(MUTATIONS)
    out = []
    for i in range(count):
        rounds, t = divmod(i, len(every))
        target, kind = every[t], kinds[(t + rounds) % len(kinds)]
        rng = random.Random(f"{seed}-{i}")
        out.append({"index": i, "seed": seed, "kind": kind, "mutated": target.mutated, "entry": target.entry,
                    "model": target.model, "text": MUTATIONS[kind](staged_text(target.mutated), rng)})
    return out


def describe(job: dict) -> str:
    """Where and how the mutant differs from the shipped text: enough to reproduce it by hand."""
    old, new = staged_text(job["mutated"]), job["text"]
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    target = Target(job["mutated"], job["entry"], job["model"])
    return (f"seed {job['seed']} mutant {job['index']} ({job['kind']}) of {target}, line "
            f"{old.count(chr(10), 0, p) + 1}: {old[p:len(old) - s][:200]!r} -> {new[p:len(new) - s][:200]!r}")


# -- the staged copy a worker loads from -----------------------------------------------------------

def staged_name(shipped: str | Path) -> str:
    """Where a shipped file sits in a stage: `zoo/resnet.rg`, `examples/tiny_resnet.rg`."""
    shipped = Path(shipped).resolve()
    return f"{shipped.parent.name}/{shipped.name}"


@cache
def staged_text(shipped: str) -> str:
    """A shipped file's text with its imports pointing into the stage: an import that leaves the
    file's folder, or a zoo import by name, becomes a relative path to the staged copy, so that a
    mutated library is what its importers load."""
    from resgraph import zoo

    src = Path(shipped).resolve()
    shipped_files = {p.resolve() for p in shipped_specs()}

    def fix(m: re.Match) -> str:
        target = (src.parent / m[2]).resolve() if m[2] is not None else zoo.module_path(m[3])
        if target is None or (m[2] is not None and target.parent == src.parent):
            return m[0]  # a missing zoo name stays an error; a sibling is staged beside it
        if target.resolve() not in shipped_files:
            return f'{m[1]}"{target.resolve()}"'
        return f'{m[1]}"{os.path.relpath(staged_name(target), src.parent.name)}"'

    return _IMPORT_LINE.sub(fix, read_spec(src))


class Stage:
    """A folder holding a copy of every shipped file (`zoo/`, `examples/`), where one file at a
    time is replaced by a mutant."""

    def __init__(self, root: Path):
        self.root = root
        self.originals = {self.path(p): staged_text(str(p)) for p in shipped_specs()}
        for path, text in self.originals.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            self.write(path, text)

    def path(self, shipped: str | Path) -> Path:
        return self.root / staged_name(shipped)

    @staticmethod
    def write(path: Path, text: str) -> None:
        with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(text)

    def run(self, job: dict) -> tuple[str, str, float]:
        """The outcome of loading the job's entry with its mutant in place, the copy restored after."""
        mutated, entry = self.path(job["mutated"]), str(self.path(job["entry"]))
        self.write(mutated, job["text"])
        try:
            return outcome(lambda: resgraph.load(Path(entry), model=job["model"]), entry)
        finally:
            self.write(mutated, self.originals[mutated])


# -- workers ---------------------------------------------------------------------------------------


def serve(memory: int, root: str) -> None:
    """A worker: one JSON job per stdin line, one [category, detail, seconds, restart] per stdout
    line. Anything the code under test prints goes to stderr, so it cannot garble the answers."""
    from resgraph.syntax.parser import parse

    answers, sys.stdout = sys.stdout, sys.stderr
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    stage = Stage(Path(root))
    try:
        parse("model m {\n}\n")  # builds the parser now, not inside the first mutant's time
    except ResgraphError:
        pass
    print("ready", file=answers, flush=True)
    for line in sys.stdin:
        kind, detail, took = stage.run(json.loads(line))
        restart = detail.startswith("MemoryError")
        if took > TIME_LIMIT:
            kind, detail = "slow", f"{took:.1f} s of CPU, then {kind}: {detail or '(no detail)'}"
        print(json.dumps([kind, detail, took, restart]), file=answers, flush=True)


class _Worker:
    """A worker subprocess that is killed and replaced when it overruns, dies or runs out of memory."""

    def __init__(self, memory: int):
        self.root = tempfile.mkdtemp(prefix="rgfuzz")
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.syntax import test_fuzz; "
                f"test_fuzz.serve({memory}, {self.root!r})")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if self._line(120.0) != "ready":
            raise RuntimeError(f"fuzz worker did not start (exit {self.proc.poll()})")

    def _line(self, timeout: float) -> str | None:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline().decode().rstrip("\n") if ready else None

    def ask(self, job: dict, timeout: float) -> tuple[str, str, float, bool]:
        """(category, detail, CPU seconds, whether to replace the worker) for one job."""
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
            line = self._line(timeout)
        except BrokenPipeError:
            line = ""
        if line is None:
            return "slow", f"no answer within {timeout:g} s of wall time (killed)", timeout, True
        if not line:
            return "crash", f"the worker died (exit {self.proc.wait()}; a signal if negative)", 0.0, True
        return tuple(json.loads(line))

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def run_jobs(todo: list[dict], *, workers: int = 1, timeout: float = HANG_LIMIT, memory: int = MEMORY_LIMIT,
             stop_after: int | None = None, progress=None) -> list[tuple[dict, str, str, float]]:
    """(job, category, detail, seconds) for each job, answered by `workers` subprocesses; stops early once
    `stop_after` jobs have failed. `progress(done, total)` is called after each answer."""
    queue, results, lock, broken = list(reversed(todo)), [], threading.Lock(), []

    def drive():
        worker = None  # started when a job needs it; dropped after a kill, death or MemoryError
        try:
            while True:
                with lock:
                    failed = sum(r[1] not in OK for r in results)
                    if not queue or (stop_after is not None and failed >= stop_after):
                        return
                    job = queue.pop()
                worker = worker or _Worker(memory)
                kind, detail, took, restart = worker.ask(job, timeout)
                if restart:
                    worker.stop()
                    worker = None
                with lock:
                    results.append((job, kind, detail, took))
                    if progress:
                        progress(len(results), len(todo))
        except RuntimeError as exc:
            broken.append(exc)
        finally:
            if worker is not None:
                worker.stop()

    threads = [threading.Thread(target=drive) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if broken:
        raise broken[0]
    return sorted(results, key=lambda r: r[0]["index"])


# -- the tests -------------------------------------------------------------------------------------

SUITE_SEED = 11
SUITE_ROUNDS = 4  # mutants per target in the suite; benchmarks/fuzz.py runs thousands


def test_targets_reach_every_shipped_file_and_model():
    """Every shipped file is mutated; every model of it is loaded; libraries are loaded via importers."""
    every = targets()
    assert {t.mutated for t in every} == {str(p) for p in shipped_specs()}
    for p in shipped_specs():
        names = set(re.findall(r"^model\s+(\w+)", read_spec(p), re.MULTILINE))
        assert {t.model for t in every if t.entry == str(p)} >= names, p.name
    libraries = [p for p in shipped_specs() if "model " not in read_spec(p)]
    assert libraries and all(any(t.mutated == str(p) and t.entry != str(p) for t in every) for p in libraries)


def test_unlocated_errors_are_told_apart():
    """The located check itself: a right path passes; no path, `<unknown>`, another file or a line
    past the end fail."""
    from resgraph.errors import Diagnostic, Source, Span

    src = Source("a.rg", "model m {\n}\n")

    def err(span):
        return ResgraphError(diagnostics=[Diagnostic("error", "boom", span)])

    class Rendered(Diagnostic):
        def render(self):
            return self.message

    def said(text):
        return ResgraphError(diagnostics=[Rendered("error", text)])

    assert unlocated(err(Span(src, 2, 1)), "a.rg", {"a.rg": src.text}) is None
    assert unlocated(said("a.rg: error: a.rg defines no model"), "a.rg", {}) is None
    assert unlocated(said("error: a.rg defines no model"), "a.rg", {})
    assert unlocated(said("<unknown>:1:1: error: brackets nested more than 64 deep"), "a.rg", {})
    assert unlocated(err(None), "a.rg", {})
    assert unlocated(err(Span(None, 3, 1)), "a.rg", {})
    assert unlocated(err(Span(Source("b.rg", ""), 1, 1)), "a.rg", {})
    assert unlocated(err(Span(Source("/etc/passwd", ""), 1, 1)), "a.rg", {})
    assert unlocated(err(Span(src, 9, 1)), "a.rg", {"a.rg": src.text})
    assert unlocated(said("a.rg:1:1: error: boom\n    out = x\n    ^"), "a.rg", {"a.rg": src.text})
    assert unlocated(ResgraphError(diagnostics=[]), "a.rg", {})


def test_a_worker_that_overruns_is_killed_and_replaced():
    """The hang guard: the biggest zoo model cannot answer in 50 ms; both jobs are reported slow,
    the second by a fresh worker."""
    spec = str(ROOT / "resgraph" / "zoo" / "cifar_resnet.rg")
    job = {"index": 0, "seed": 0, "kind": "none", "mutated": spec, "entry": spec, "model": "cifar_resnet1202",
           "text": staged_text(spec)}
    results = run_jobs([job, {**job, "index": 1}], timeout=0.05)
    assert [(kind, "killed" in detail) for _, kind, detail, _ in results] == [("slow", True)] * 2


def test_mutants_of_every_shipped_file_load_or_fail_located():
    """Reproduce one failure with `python benchmarks/fuzz.py --seed 11 --only INDEX`."""
    results = run_jobs(jobs(SUITE_SEED, SUITE_ROUNDS * len(targets())), stop_after=8)
    failures = [f"{kind}: {describe(job)}\n    {detail[:600]}" for job, kind, detail, _ in results if kind not in OK]
    assert not failures, "\n".join(failures)
    assert {r[1] for r in results} >= {"valid", "located"}


RG_TOKENS = st.sampled_from([
    "model", "block", "m", "x", "in", "out", "input", "let", "for", "if", "else", "import", "->", "=",
    ":", ",", "(", ")", "[", "]", "{", "}", "*", "..", "..=", "h{i}", "h{0..i}", "conv", "relu", "add",
    "concat", "bn", "linear", "1", "3", "64", "0", "-", "**", "true", "\n", " ", '"s"', ".channels", "#c",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RG_TOKENS, max_size=40))
def test_token_soup_fails_cleanly(tokens):
    assert_located(" ".join(tokens), "soup.rg")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_fails_cleanly(text):
    assert_located(text, "text.rg")


def test_deep_nesting_is_a_limit_error():
    for text in ["model m { input x[3]\n out = x -> linear(" + "(" * 500 + "1" + ")" * 500 + ") }",
                 "model m { input x[3]\n let a = " + " + ".join(["1"] * 3000) + "\n out = x }",
                 "model m { input x[3]\n let a = " + "- " * 3000 + "1\n out = x }"]:
        assert_located(text, "deep.rg")


def test_fmt_of_mutated_specs_is_idempotent_and_keeps_the_outcome():
    """Whatever parses formats to a fixed point that loads to the same graph (or the same error)."""
    from resgraph.syntax.fmt import format_text
    from resgraph.syntax.unparse import structural_diff

    rng = random.Random(99)
    for spec in shipped_specs():
        for i, mutant in enumerate(mutations(spec.read_text(), rng, 6)):
            try:
                once = format_text(mutant, f"m{i}.rg")
            except ResgraphError:
                continue
            assert format_text(once, f"m{i}.rg") == once
            outcomes = []
            for text in (mutant, once):
                try:
                    outcomes.append(resgraph.loads(text, path=str(spec)))
                except ResgraphError as exc:
                    outcomes.append(type(exc).__name__)
            if isinstance(outcomes[0], str) or isinstance(outcomes[1], str):
                assert isinstance(outcomes[0], str) == isinstance(outcomes[1], str), (spec.name, mutant)
            else:
                assert structural_diff(*outcomes) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RG_TOKENS, max_size=40))
def test_fmt_of_token_soup_is_clean_and_idempotent(tokens):
    from resgraph.syntax.fmt import format_text

    try:
        once = format_text(" ".join(tokens))
    except ResgraphError:
        return
    assert format_text(once) == once
