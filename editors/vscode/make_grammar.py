"""Write syntaxes/rg.tmLanguage.json, the TextMate grammar of .rg, from resgraph itself.

    python editors/vscode/make_grammar.py          # rewrite the grammar
    python editors/vscode/make_grammar.py --check  # exit 1 if the grammar is not what it would write

The words come from where the language defines them, so the highlighting stays true as the
language grows: keywords from grammar/resgraph.lark (every quoted word), ops and their aliases
from the op registry (merges, the ops with an edge kind of their own, apart), parameter types and
built-in functions from the front end. tests/editors/test_vscode.py runs --check's comparison.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "syntaxes" / "rg.tmLanguage.json"
sys.path.insert(0, str(ROOT))

# What each keyword of the grammar is, for the colour theme. A keyword added to the grammar and not
# placed here stops this script, so a new word cannot go uncoloured unnoticed.
KEYWORD_CLASSES = {
    "keyword.control.rg": ("if", "else", "for", "by"),
    "keyword.control.import.rg": ("import",),
    "storage.type.rg": ("block", "model", "let", "option", "input"),
    "keyword.operator.logical.rg": ("and", "or", "not"),
    "constant.language.rg": ("true", "false", "none"),
}
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# a name with {...} templates or dotted parts: h{i}, stages.{i}.blocks.{j}, layer1.0.conv1, x.channels
PIECE = r"(?:\w|\{[^{}\n#]*\})"
DOTTED = rf"(?:[A-Za-z_]|\{{[^{{}}\n#]*\}})(?:{PIECE})*(?:\.{PIECE}+)+|[A-Za-z_]\w*\{{[^{{}}\n#]*\}}{PIECE}*"
LABEL = rf"(?:[A-Za-z_]|\{{[^{{}}\n#]*\}}){PIECE}*(?:\.{PIECE}+)*"


def keywords() -> list[str]:
    """Every word the grammar spells out in quotes, and the terminal IN."""
    text = re.sub(r"(?m)(^|\s)//.*$", "", (ROOT / "grammar" / "resgraph.lark").read_text())  # comments
    words = set(re.findall(r'"([a-z]+)"', text)) | {"in"}
    placed = {w for group in KEYWORD_CLASSES.values() for w in group} | {"in"}
    if words - placed:
        sys.exit(f"make_grammar.py: place the new keywords {sorted(words - placed)} in KEYWORD_CLASSES")
    return sorted(words)


def vocabulary() -> dict[str, list[str]]:
    """Op names and aliases (merges apart), parameter types and built-in functions, from resgraph."""
    from resgraph.ir.ops import registry
    from resgraph.syntax.elaborate.params import TENSOR
    from resgraph.syntax.values import FUNCTIONS, TYPES

    words = set(keywords())
    ops, merges = set(), set()
    for op in registry.all_ops():
        names = {op.name, *op.aliases} - words  # `input` is the statement, not a call
        (merges if op.edge != "seq" else ops).update(names)
    return {"ops": sorted(ops), "merges": sorted(merges), "types": sorted({*TYPES, TENSOR}),
            "functions": sorted(FUNCTIONS)}


def alternation(words: list[str]) -> str:
    return r"\b(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + r")\b"


def grammar() -> dict:
    v = vocabulary()
    keyword_patterns = [{"match": alternation(list(words)), "name": scope} for scope, words in KEYWORD_CLASSES.items()]
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "resgraph",
        "scopeName": "source.rg",
        "fileTypes": ["rg"],
        "comment": "Written by editors/vscode/make_grammar.py from resgraph's grammar and op registry: do not edit.",
        "patterns": [{"include": "#comment"}, {"include": "#signature"}, {"include": "#derived-model"},
                     {"include": "#for-loop"}, {"include": "#expression"}],
        "repository": {
            "comment": {"match": "#.*$", "name": "comment.line.number-sign.rg"},
            "docstring": {
                "begin": '"""', "end": '"""', "name": "string.quoted.docstring.multi.rg",
                "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.rg"}},
                "endCaptures": {"0": {"name": "punctuation.definition.string.end.rg"}},
            },
            "string": {
                "begin": '"', "end": '"|$', "name": "string.quoted.double.rg",
                "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.rg"}},
                "endCaptures": {"0": {"name": "punctuation.definition.string.end.rg"}},
                "patterns": [{"match": r"\\.", "name": "constant.character.escape.rg"}],
            },
            "signature": {
                "comment": "block name(params) / model name(params): the parameters, their types and defaults",
                "begin": rf"\b(block|model)\s+({NAME})\s*(\()",
                "beginCaptures": {
                    "1": {"name": "storage.type.rg"},
                    "2": {"name": "entity.name.function.rg"},
                    "3": {"name": "punctuation.section.parameters.begin.rg"},
                },
                "end": r"\)",
                "endCaptures": {"0": {"name": "punctuation.section.parameters.end.rg"}},
                "patterns": [
                    {"include": "#comment"},
                    {
                        "match": rf"\b({NAME})\s*(:)\s*({NAME})",
                        "captures": {
                            "1": {"name": "variable.parameter.rg"},
                            "2": {"name": "punctuation.separator.annotation.rg"},
                            "3": {"name": "support.type.rg"},
                        },
                    },
                    {"comment": "a parameter without a type: first in the list or after a comma",
                     "match": rf"(?:(?<=[(,])|^)\s*({NAME})\b(?=\s*(?:=(?!=)|,|\)|$))",
                     "captures": {"1": {"name": "variable.parameter.rg"}}},
                    {"include": "#expression"},
                ],
            },
            "derived-model": {
                "comment": "model resnet152 = resnet50(...): a model made from another",
                "match": rf"\b(model)\s+({NAME})\s*(?==)",
                "captures": {"1": {"name": "storage.type.rg"}, "2": {"name": "entity.name.function.rg"}},
            },
            "for-loop": {
                "match": rf"\b(for)\s+({NAME})\s+(in)\b",
                "captures": {"1": {"name": "keyword.control.rg"}, "2": {"name": "variable.other.loop.rg"},
                             "3": {"name": "keyword.control.rg"}},
            },
            "expression": {
                "patterns": [
                    {"include": "#comment"},
                    {"include": "#docstring"},
                    {"include": "#string"},
                    {"match": r"\b(option)\s+(" + NAME + r")\b",
                     "captures": {"1": {"name": "storage.type.rg"}, "2": {"name": "variable.other.option.rg"}}},
                    {"match": r"\b(input)\s+(" + NAME + r")\b",
                     "captures": {"1": {"name": "storage.type.rg"}, "2": {"name": "variable.other.input.rg"}}},
                    {"match": rf"({LABEL})\s*(:)(?!:)",
                     "captures": {"1": {"name": "entity.name.tag.label.rg"},
                                  "2": {"name": "punctuation.separator.label.rg"}}},
                    {"match": rf"\b(?:{DOTTED})", "name": "variable.other.path.rg"},
                    *keyword_patterns,
                    {"match": r"\bin\b", "name": "variable.language.input.rg"},
                    {"match": alternation(v["merges"]), "name": "support.function.merge.rg"},
                    {"match": alternation(v["ops"]), "name": "support.function.op.rg"},
                    {"match": alternation(v["functions"]) + r"(?=\s*\()", "name": "support.function.builtin.rg"},
                    {"match": alternation(v["types"]), "name": "support.type.rg"},
                    {"match": rf"\b{NAME}(?=\s*\()", "name": "entity.name.function.call.rg"},
                    {"match": r"\b(?:[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)\b",
                     "name": "constant.numeric.float.rg"},
                    {"match": r"\b[0-9]+\b", "name": "constant.numeric.integer.rg"},
                    {"match": "->", "name": "keyword.operator.chain.rg"},
                    {"match": r"\.\.=?", "name": "keyword.operator.range.rg"},
                    {"match": "==|!=|<=|>=|<|>", "name": "keyword.operator.comparison.rg"},
                    {"match": r"\*\*|//|[-+*/%]", "name": "keyword.operator.arithmetic.rg"},
                    {"match": "=", "name": "keyword.operator.assignment.rg"},
                    {"match": ",", "name": "punctuation.separator.comma.rg"},
                    {"match": r"[()\[\]{}]", "name": "punctuation.section.brackets.rg"},
                ],
            },
        },
    }


def text() -> str:
    return json.dumps(grammar(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    if sys.argv[1:] == ["--check"]:
        if not OUT.is_file() or OUT.read_text() != text():
            sys.exit(f"{OUT.relative_to(ROOT)} is out of date: run python editors/vscode/make_grammar.py")
        return
    OUT.write_text(text())
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
