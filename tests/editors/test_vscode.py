"""editors/vscode, the VS Code extension: its grammar stays what resgraph's language and op
registry say, its manifest points at real files, and the grammar colours every shipped spec right.

The last two tests run the TextMate grammar through npm's vscode-tmgrammar-test (the engine VS
Code uses, vscode-textmate with oniguruma); they need node and the extension's npm packages
(`cd editors/vscode && npm ci`) and are skipped, saying so, without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Lark

from resgraph import zoo
from resgraph.syntax.grammar import OPTIONS, grammar_path

EXT = Path(__file__).resolve().parents[2] / "editors" / "vscode"
BIN = EXT / "node_modules" / ".bin"
sys.path.insert(0, str(EXT))
import make_grammar  # noqa: E402

needs_npm = pytest.mark.skipif(
    shutil.which("node") is None or not (BIN / "vscode-tmgrammar-test").exists(),
    reason="needs node and the extension's npm packages: cd editors/vscode && npm ci",
)


def test_the_grammar_is_written_from_the_language_and_the_registry():
    committed = (EXT / "syntaxes" / "rg.tmLanguage.json").read_text()
    assert committed == make_grammar.text(), "run python editors/vscode/make_grammar.py"
    words = make_grammar.vocabulary()
    assert {"conv", "bn", "relu", "linear", "fc", "conv2d"} <= set(words["ops"])  # aliases too
    assert set(words["merges"]) >= {"add", "mul", "concat", "cat"} and "input" not in words["ops"]
    assert "tensor" in words["types"] and "len" in words["functions"]


def test_the_manifest_points_at_its_files():
    manifest = json.loads((EXT / "package.json").read_text())
    (language,) = manifest["contributes"]["languages"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert language["extensions"] == [".rg"] and grammar["language"] == language["id"]
    assert json.loads((EXT / grammar["path"]).read_text())["scopeName"] == grammar["scopeName"] == "source.rg"
    config = json.loads((EXT / language["configuration"]).read_text())
    assert config["comments"] == {"lineComment": "#"}
    assert (EXT / manifest["main"]).is_file()
    server = manifest["contributes"]["configuration"]["properties"]
    assert server["resgraph.server.command"]["default"] == "resgraph"
    assert server["resgraph.server.args"]["default"] == ["lsp"]  # the extension runs `resgraph lsp`
    assert "vscode-languageclient" in manifest["dependencies"]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_extension_is_valid_javascript():
    done = subprocess.run(["node", "--check", str(EXT / "extension.js")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@needs_npm
def test_the_grammars_own_assertions():
    done = subprocess.run([str(BIN / "vscode-tmgrammar-test"), "-g", "syntaxes/rg.tmLanguage.json",
                           "test/*.test.rg"], cwd=EXT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def expected_scope(tokens, i: int, in_signature: bool) -> str | None:
    """The scope a token must carry, from what resgraph's own lexer calls it and its neighbours
    (None: no claim, e.g. a value's name or punctuation)."""
    vocabulary = make_grammar.vocabulary()
    tok = tokens[i]
    nxt = tokens[i + 1].type if i + 1 < len(tokens) else None
    prev = tokens[i - 1].type if i else None
    if tok.type == "COMMENT":
        return "comment.line.number-sign.rg"
    if tok.type == "STRING":
        return "string.quoted"
    if tok.type in ("INT", "FLOAT"):
        return "constant.numeric"
    if tok.value == "->":
        return "keyword.operator.chain.rg"
    if tok.type == "IN":
        return "keyword.control.rg" if i >= 2 and tokens[i - 2].type == "FOR" else "variable.language.input.rg"
    for scope, words in make_grammar.KEYWORD_CLASSES.items():
        if tok.value in words and tok.type == tok.value.upper():
            return scope
    if tok.type in ("NAME", "PATH", "TEMPLATE") and nxt == "COLON":
        return "variable.parameter.rg" if in_signature else "entity.name.tag.label.rg"
    if tok.type == "NAME" and prev in ("BLOCK", "MODEL"):
        return "entity.name.function.rg"
    if tok.type == "NAME" and in_signature and prev == "COLON":
        return "support.type.rg"
    if tok.type in ("PATH", "TEMPLATE"):
        return "variable.other.path.rg"
    if tok.type == "NAME" and nxt != "EQUAL":  # `x = ...` and `bias=false` name values
        if tok.value in vocabulary["merges"]:
            return "support.function.merge.rg"
        if tok.value in vocabulary["ops"]:
            return "support.function.op.rg"
        if nxt == "LPAR":
            return "support.function.builtin.rg" if tok.value in vocabulary["functions"] else "entity.name.function.call.rg"
    return None


class KeepComments:
    """A post-lexer that changes nothing but keeps COMMENT, which no rule names (the parser's own
    layout post-lexer collects comments the same way)."""

    always_accept = ("_NL", "COMMENT")

    def process(self, stream):
        return stream


def scopes_of(snap: str) -> dict[tuple[int, int], str]:
    """(line, column) → the scopes vscode-tmgrammar-snap found there, both 0-based."""
    found, line = {}, -1
    for row in snap.splitlines():
        if row.startswith(">"):
            line += 1
        elif row.startswith("#") and "^" in row:
            start = row.index("^")
            end = start + len(row[start:]) - len(row[start:].lstrip("^"))
            for col in range(start - 1, end - 1):
                found[(line, col)] = row[end:].strip()
    return found


@needs_npm
def test_every_shipped_spec_is_coloured_as_resgraph_reads_it(tmp_path):
    specs = sorted(zoo.spec_files())
    for spec in specs:
        shutil.copy(spec, tmp_path / spec.name)
    done = subprocess.run([str(BIN / "vscode-tmgrammar-snap"), "-u", "-s", "source.rg", "-g",
                           str(EXT / "syntaxes" / "rg.tmLanguage.json"), "--config", str(EXT / "package.json"),
                           str(tmp_path / "*.rg")], cwd=EXT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    lexer = Lark(grammar_path().read_text(), **OPTIONS, postlex=KeepComments())
    wrong, checked = [], 0
    for spec in specs:
        text = spec.read_text()
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        where = {}
        for line, start in enumerate(starts):
            end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
            where.update({start + c: (line, c) for c in range(end - start)})
        scopes = scopes_of((tmp_path / f"{spec.name}.snap").read_text())
        tokens = [t for t in lexer.lex(text) if t.type != "_NL"]
        depth = 0  # inside a block's or model's parameter list
        for i, tok in enumerate(tokens):
            if tok.type == "LPAR" and depth == 0 and i >= 2 and tokens[i - 2].type in ("BLOCK", "MODEL"):
                depth = 1
                continue
            if depth and tok.type in ("LPAR", "RPAR"):
                depth += 1 if tok.type == "LPAR" else -1
            want = expected_scope(tokens, i, depth > 0)
            if want is None:
                continue
            checked += 1
            for offset in range(tok.start_pos, tok.end_pos):
                got = scopes.get(where.get(offset), "")
                if offset in where and text[offset] != "\n" and want not in got:
                    wrong.append(f"{spec.name}:{tok.line}: {tok.value[:30]!r} wants {want}, has {got or 'nothing'}")
                    break
    assert checked > 2000 and not wrong, "\n".join(wrong[:20])
