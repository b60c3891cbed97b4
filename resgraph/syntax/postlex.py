"""The post-lexer that gives .rg its layout rules: where a newline ends a statement.

Apart from the parser because it is the one stateful pass over the token stream, with its own limits.
"""

from __future__ import annotations

from typing import Any

from lark import Token

from ..errors import LimitError

MAX_NESTING = 64  # brackets inside brackets: far beyond any real spec
# Parsing costs ~10-40 us a token: these bound a refusal to a few seconds. The largest shipped spec
# has 624 tokens (2.9 kB); a flat printout of densenet264 (to_rg without blocks) 13,283 (479 kB).
MAX_TOKENS = 100_000  # the parser's MAX_CHARS bounds the text the same way


class Layout:
    """Postlexer: newlines end statements except inside () and [], around '->' and before 'else'.

    A string on the line after a top-level ')' is the docstring of a derived model
    (`model resnet152 = resnet50(...)`, then a string), so that newline is dropped too.

    It also closes the last statement before a '}' and at the end of the text, and collects
    comments (with their spans) for the formatter instead of passing them to the parser.
    """

    always_accept = ("_NL", "COMMENT")

    def __init__(self) -> None:
        self.comments: list[Token] = []
        self.count = 0  # tokens so far in this file, the holes of its name templates included
        self.spans: Any = None  # the transformer, which places tokens in the file being parsed (set by the parser)

    def process(self, stream):
        stack: list[str] = []
        last: Token | None = None
        newline: Token | None = None
        for tok in stream:
            self.count += 1
            if self.count > MAX_TOKENS:
                raise LimitError(f"the file has more than {MAX_TOKENS} tokens", self.spans._tspan(tok),
                                 hint="write repeated layers with loops, repetitions (* n) and blocks")
            kind = tok.type
            if kind == "COMMENT":
                self.comments.append(tok)
                continue
            if kind == "_NL":
                if not stack or stack[-1] == "{":
                    newline = newline or tok
                continue
            value = tok.value
            if newline is not None:
                doc_of_derived = kind == "STRING" and not stack and last is not None and last.value == ")"
                if (last is not None and last.type != "_NL" and last.value not in ("{", "->")
                        and value not in ("->", "else") and not doc_of_derived):
                    yield newline
                    last = newline
                newline = None
            if value in ("(", "[", "{") and kind != "STRING":
                stack.append(value)
                if len(stack) > MAX_NESTING:
                    raise LimitError(f"brackets nested more than {MAX_NESTING} deep", self.spans._tspan(tok),
                                     hint="split the expression into let bindings or blocks")
            elif value in (")", "]", "}") and kind != "STRING":
                if value == "}" and stack and stack[-1] == "{" and last is not None and last.value != "{" and last.type != "_NL":
                    last = Token.new_borrow_pos("_NL", "\n", tok)
                    yield last
                if stack:
                    stack.pop()
            yield tok
            last = tok
        if last is not None and last.type != "_NL":
            end = Token("_NL", "\n")
            end.line, end.column = last.end_line, last.end_column
            end.end_line, end.end_column = last.end_line, last.end_column
            yield end
