"""The parser: a complete typed AST with spans and comments; parse errors point at the text."""

import pytest

from resgraph.errors import SyntaxError_
from resgraph.syntax import ast
from resgraph.syntax.loader import parse_literal
from resgraph.syntax.parser import grammar_path, parse


def test_grammar_is_found_in_the_checkout():
    assert grammar_path().name == "resgraph.lark"


def test_ast_keeps_docstrings_comments_and_spans():
    f = parse('"""File doc."""\nimport resnet  # zoo\nblock b(c: int, s: int = 1) {\n'
              '    """Block doc."""\n    out = in -> conv1: conv(c, 3, s, bias=false) -> bn\n}\n', "f.rg")
    assert f.doc == "File doc." and f.imports[0].target == "resnet" and not f.imports[0].is_path
    assert [(c.text, c.span.line, c.span.col) for c in f.comments] == [("# zoo", 2, 16)]
    b = f.blocks["b"]
    assert b.doc == "Block doc." and [p.name for p in b.params] == ["c", "s"]
    bind = b.body[0]
    assert isinstance(bind, ast.Bind) and bind.target.id == "out"
    conv, bn = bind.chain.elements[1:]
    assert conv.label.id == "conv1" and conv.item.parens and conv.item.kwargs[0].name == "bias"
    assert (conv.item.span.line, conv.item.span.col) == (5, 24)
    assert bn.item.name == "bn" and not bn.item.parens


def test_chains_continue_on_lines_starting_with_an_arrow():
    f = parse("model m {\n  input x[3]\n  out = x\n     -> relu\n     -> linear(2)\n}\n")
    (bind,) = [s for s in f.models["m"].body if isinstance(s, ast.Bind)]
    assert [e.item.name for e in bind.chain.elements] == ["x", "relu", "linear"]


def test_template_holes_are_parsed_with_their_own_spans():
    f = parse("block d(n: int) {\n    for i in 1..=n {\n        h{i} = concat(in, h{1..i})\n    }\n    out = in\n}\n")
    loop = f.blocks["d"].body[0]
    assert loop.iter.inclusive
    target = loop.body[0].target
    assert target.parts[0] == "h" and (target.parts[1].span.line, target.parts[1].span.col) == (3, 11)
    rng = loop.body[0].chain.elements[0].item.args[1]
    assert rng.is_range and not rng.parts[1].inclusive


@pytest.mark.parametrize("text,line,col", [
    ("model m {\n  out = x -> conv(64,, 3)\n}\n", 2, 22),
    ("model m {\n  out = x -> \n}\n", 3, 1),
    ("model m {\n  out = x -> relu\n", 2, 18),
    ("block b() { out = in -> ; }\n", 1, 25),
])
def test_syntax_errors_point_at_the_token(text, line, col):
    with pytest.raises(SyntaxError_) as exc:
        parse(text, "bad.rg")
    assert (exc.value.span.line, exc.value.span.col) == (line, col)
    assert str(exc.value).startswith(f"bad.rg:{line}:{col}: error: ")


def test_command_line_literals():
    assert parse_literal("10") == 10 and parse_literal("0.5") == 0.5 and parse_literal("true") is True
    assert parse_literal("[2, 2, 2, 2]") == [2, 2, 2, 2] and parse_literal('"x"') == "x"
    assert parse_literal("kaiming_fan_out") == "kaiming_fan_out"
