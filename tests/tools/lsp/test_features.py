"""The language server's features as functions: each answer checked against the spec's text and
against counts made by hand or by the loader itself."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from resgraph.errors import Source, Span  # noqa: E402
from resgraph.syntax.fmt import format_text  # noqa: E402
from resgraph.syntax.loader import load_graph  # noqa: E402
from resgraph.tools.lsp.analysis import analyze  # noqa: E402
from resgraph.tools.lsp.complete import completions  # noqa: E402
from resgraph.tools.lsp.diagnostics import lsp_diagnostics  # noqa: E402
from resgraph.tools.lsp.files import EditorFiles  # noqa: E402
from resgraph.tools.lsp.hints import hints  # noqa: E402
from resgraph.tools.lsp.hover import hover  # noqa: E402
from resgraph.tools.lsp.navigate import definition, references  # noqa: E402
from resgraph.tools.lsp.outline import folds, formatted, symbols  # noqa: E402
from resgraph.tools.lsp.positions import Positions  # noqa: E402
from tests.tools.lsp.specs import NET, TWO_ERRORS, at, write  # noqa: E402

U16 = Positions("utf-16")


@pytest.fixture
def net(tmp_path):
    blocks, net = write(tmp_path)
    files = EditorFiles()
    return analyze(net, NET, files), files, blocks, net


def diags(analysis):
    return lsp_diagnostics(analysis, U16, lambda path: path)


def rng(line, col, end_line, end_col):
    """An LSP range from 1-based span coordinates."""
    return types.Range(types.Position(line - 1, col - 1), types.Position(end_line - 1, end_col - 1))


# -- positions ------------------------------------------------------------------------------------------


def test_columns_are_counted_in_the_clients_encoding():
    source = Source("a.rg", 'x = "😀é" -> bnx\n')
    col = source.text.index("bnx") + 1  # 12 characters in; the emoji is 2 UTF-16 units, 4 UTF-8 bytes
    span = Span(source, 1, col, 1, col + 3)
    assert U16.range(span) == types.Range(types.Position(0, col), types.Position(0, col + 3))
    assert Positions("utf-8").range(span).start.character == col - 1 + 3 + 1
    assert Positions("utf-32").range(span).start.character == col - 1
    for enc in ("utf-8", "utf-16", "utf-32"):
        p = Positions(enc)
        assert p.to_span(source, p.range(span).start) == (1, col)


# -- diagnostics ------------------------------------------------------------------------------------------


def test_every_independent_error_with_its_range_and_help(tmp_path):
    a = analyze(tmp_path / "broken.rg", TWO_ERRORS, EditorFiles())
    found = diags(a)
    assert [d.severity for d in found] == [types.DiagnosticSeverity.Error] * 2
    bnx, conv = found
    line, col = at(TWO_ERRORS, 3, "bnx")
    assert bnx.range == rng(line, col, line, col + 3)
    assert "unknown op or block 'bnx'" in bnx.message and "help: did you mean 'bn'?" in bnx.message
    line, col = at(TWO_ERRORS, 4, "conv(16, 3, strid=2)")
    assert conv.range == rng(line, col, line, col + len("conv(16, 3, strid=2)"))
    assert "has no attribute 'strid'" in conv.message and conv.code == "NameError"


def test_an_unused_layer_is_a_warning(tmp_path):
    text = "model m {\n    input x[3, 8, 8]\n    dead = x -> relu\n    out = x -> conv(4, 1)\n}\n"
    (warning,) = diags(analyze(tmp_path / "m.rg", text, EditorFiles()))
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert "'dead' is computed but never used" in warning.message
    assert warning.range.start == types.Position(2, text.split("\n")[2].index("relu"))


def test_an_error_in_an_imported_block_is_shown_at_the_instance_that_causes_it(net):
    _, files, blocks, path = net
    text = NET.replace("basic(32, 2)", "basic(0, 2)")  # each conv(0, ...) inside the block is refused
    found = diags(analyze(path, text, files))
    line, col = at(text, 7, "basic(0, 2)")
    assert [d.range for d in found] == [rng(line, col, line, col + len("basic(0, 2)"))] * 3
    assert [d.message.split(":")[:2] for d in found] == [["blocks.rg", "3"], ["blocks.rg", "4"], ["blocks.rg", "6"]]
    where = found[0].related_information[0].location  # led by where it is, and a link to it
    assert where.uri == str(blocks) and where.range.start == types.Position(2, 21)


def test_an_error_in_an_imported_file_is_shown_at_its_import(net):
    _, files, blocks, path = net
    blocks.write_text("block basic(c: int) {\n    out = in -> conv(c, 3) -> \n}\n")  # does not parse
    (d,) = diags(analyze(path, NET, files))
    assert d.range == rng(1, 1, 1, len('import "blocks.rg"') + 1)
    assert d.related_information[0].location.uri == str(blocks)


def test_the_editors_unsaved_text_of_an_import_is_read_first(net):
    _, _, blocks, path = net
    unsaved = blocks.read_text().replace("bn2: bn", "bn2: bnn")
    files = EditorFiles(lambda p: unsaved if p == str(blocks) else None)
    (d,) = diags(analyze(path, NET, files))
    assert "unknown op or block 'bnn'" in d.message


def test_a_models_result_is_kept_while_its_definitions_are_unchanged(tmp_path):
    text = NET.replace('import "blocks.rg"', "import cifar_blocks") + (
        "\nmodel other {\n    input x[3, 8, 8]\n    out = x -> conv(4, 3)\n}\n")
    text = text.replace("basic(16) * 2 -> layer2: basic(32, 2)", "conv(16, 3)")
    files = EditorFiles()
    first = analyze(tmp_path / "n.rg", text, files)
    edited = analyze(tmp_path / "n.rg", text.replace("conv(4, 3)", "conv(8, 3)"), files, first)
    assert edited.models["tiny"] is first.models["tiny"]
    assert edited.models["other"] is not first.models["other"]
    moved = analyze(tmp_path / "n.rg", "\n" + text, files, edited)  # every place moved: all again
    assert moved.models["tiny"] is not edited.models["tiny"]


# -- hover ----------------------------------------------------------------------------------------------


def test_hover_on_a_layer_gives_op_attributes_shape_params_and_macs(net):
    a = net[0]
    text, span = hover(a, at(NET, 6, "conv(16", 1))
    assert "conv(out_channels=16, kernel=3, stride=1" in text and "bias=false" in text
    assert "`[16, 32, 32]`" in text
    assert f"{16 * 3 * 9:,} parameters" in text  # no bias
    assert "442 kMACs" in text  # 432 weights x 32 x 32 positions = 442,368
    assert (span.line, span.col) == at(NET, 6, "conv(16")


def test_hover_on_a_block_call_gives_its_signature_doc_and_instances(net):
    text, _ = hover(net[0], at(NET, 7, "basic(16"))
    assert "block basic(c: int, stride: int = 1)" in text
    assert "Two 3x3 convolutions and a skip edge." in text
    assert "2 instances" in text and "`[16, 32, 32]` ×2" in text
    graph = load_graph(net[3])
    layer1 = sum(graph.param_count(n) for n in graph if n.startswith("layer1."))
    assert f"{layer1:,} parameters" in text


def test_hover_on_a_model_gives_its_totals(net):
    graph = load_graph(net[3])
    text, _ = hover(net[0], at(NET, 3, "tiny"))
    assert "model tiny(num_classes: int = 10)" in text and "A small residual network." in text
    assert f"output `[10]` · {graph.param_count():,} parameters" in text


def test_hover_on_a_name_gives_the_shape_of_its_value(net):
    text, _ = hover(net[0], at(NET, 7, "stem"))
    assert "value `stem`, bound on line 6" in text and "`[16, 32, 32]`" in text


def test_hover_in_a_block_file_reads_the_models_of_documents_importing_it(net):
    a, files, blocks, _ = net
    b = analyze(blocks, blocks.read_text(), files)
    text, _ = hover(b, (3, b.source.line(3).index("conv(c") + 2), others=a.results)
    assert "3 instances in model `tiny`" in text
    assert "`[16, 32, 32]` ×2, `[32, 16, 16]`" in text
    text, _ = hover(b, (1, 14), others=a.results)  # the parameter c
    assert "values: `16` ×2, `32`" in text


def test_hover_shows_the_shapes_that_could_be_inferred_before_an_error(tmp_path):
    text = TWO_ERRORS
    a = analyze(tmp_path / "b.rg", text, EditorFiles())
    found, _ = hover(a, at(text, 4, "conv"))
    assert "(1 error" not in found and "`[16, 32, 32]`" not in found  # the call with the error made nothing
    found, _ = hover(a, at(text, 3, "conv"))
    assert "`[16, 32, 32]`" in found


# -- inlay hints ------------------------------------------------------------------------------------------


def test_inlay_hints_follow_bindings_and_labelled_layers(net):
    found = {(h.line, h.col): h.label for h in hints(net[0], 1, 100)}
    line6 = NET.split("\n")[5]
    assert found[(6, line6.index("conv(16, 3, bias=false)") + len("conv(16, 3, bias=false)") + 1)] == "⟶ [16, 32, 32]"
    line7 = NET.split("\n")[6]
    assert found[(7, len(line7) + 1)] == "⟶ [32, 16, 16]"
    assert found[(8, len(NET.split("\n")[7]) + 1)] == "⟶ [10]"


# -- navigation -------------------------------------------------------------------------------------------


def test_definition_of_a_block_across_the_import(net):
    (path, span), = definition(net[0], at(NET, 7, "basic(16"))
    assert path == str(net[2]) and (span.line, span.col, span.end_col) == (1, 7, 12)


def test_definition_of_a_name_and_of_an_import(net):
    (path, span), = definition(net[0], at(NET, 7, "stem"))
    assert path == str(net[3]) and (span.line, span.col) == at(NET, 6, "stem")
    (path, _), = definition(net[0], (1, 10))
    assert path == str(net[2].resolve())


def test_references_of_a_block_and_of_a_name(net):
    a, files, blocks, path = net
    found = references(a, at(NET, 7, "basic(16"), files, include_declaration=True)
    assert [(p == str(blocks), s.line) for p, s in found] == [(True, 1), (False, 7), (False, 7)]
    found = references(a, at(NET, 6, "stem"), files, include_declaration=False)
    assert [(s.line, s.col) for _, s in found] == [at(NET, 7, "stem")]


# -- completion ---------------------------------------------------------------------------------------------


def labels(items):
    return [i.label for i in items]


def test_completion_inside_an_op_call_offers_the_attributes_not_yet_given(net):
    text = NET.replace("conv(16, 3, bias=false)", "conv(16, 3, ")
    a = analyze(net[3], text, net[1])
    found = labels(completions(text, at(text, 6, "conv(16, 3, ", len("conv(16, 3, ")), a, net[0]))
    assert found[:5] == ["stride=", "padding=", "dilation=", "groups=", "bias="]
    assert "out_channels=" not in found  # given by position
    assert {"x", "num_classes", "body"} <= set(found)  # names in scope, for the arguments


def test_completion_inside_a_block_call_offers_its_parameters(net):
    text = NET.replace("basic(32, 2)", "basic(32, ")
    found = labels(completions(text, at(text, 7, "basic(32, ", len("basic(32, ")), analyze(net[3], text, net[1]),
                               net[0]))
    assert found[0] == "stride=" and "c=" not in found


def test_completion_in_a_chain_offers_ops_with_signatures_and_blocks(net):
    text = NET.replace("-> flatten", "-> ")
    items = completions(text, at(text, 8, "-> ", 3), analyze(net[3], text, net[1]), net[0])
    by_label = {i.label: i for i in items}
    assert by_label["conv"].detail.startswith("conv(out_channels, kernel=3, stride=1")
    assert by_label["basic"].detail == "block basic(c: int, stride: int = 1)"
    assert "input" not in by_label  # not an op a chain can call
    # an unclosed call on the line above does not hold the cursor
    text = NET.replace("conv(16, 3, bias=false)", "conv(16, 3, ").replace("-> flatten", "-> ")
    items = completions(text, at(text, 8, "-> ", 3), analyze(net[3], text, net[1]), net[0])
    assert "conv" in labels(items) and "stride=" not in labels(items)


def test_completion_of_imports_and_parameter_types(net):
    text = "import res\n"
    found = labels(completions(text, (1, 11), analyze(net[3], text, net[1]), None))
    assert "resnet" in found and "densenet_blocks" in found
    text = "block b(c: \n"
    found = labels(completions(text, (1, 12), analyze(net[3], text, net[1]), None))
    assert found == ["int", "float", "bool", "str", "list", "tensor"]


# -- formatting, symbols, folds -------------------------------------------------------------------------------


def test_formatting_is_resgraph_fmt():
    messy = "model m {\n  input x[3,8,8]\n  out = x->conv(4,3)->relu\n}\n"
    assert formatted(messy, "m.rg") == format_text(messy) != messy
    assert formatted("model m {\n  out = x ->\n}\n", "m.rg") is None


def test_symbols_and_folds(net):
    a = net[0]
    outline = symbols(a.source, a.file)
    assert [(s.name, s.kind) for s in outline] == [("blocks.rg", "import"), ("tiny", "model")]
    assert [c.name for c in outline[1].children] == ["x", "stem", "body", "out"]
    assert (outline[1].name_span.line, outline[1].name_span.col) == at(NET, 3, "tiny")
    b = analyze(net[2], net[2].read_text(), net[1])
    # the block ({ to its last line, the closing } stays visible), and the bindings of several lines
    assert folds(b.source, b.file) == [(1, 8), (3, 4), (5, 6)]


def test_every_word_of_a_zoo_spec_gets_an_answer_and_every_layer_a_shape():
    """resnetv2.rg has derived models, dotted labels (`stem.conv:`, which also make the scope
    `stem`), repetitions by index and an imported file of blocks."""
    from resgraph import zoo
    from resgraph.syntax import ast
    from resgraph.tools.lsp.ast_index import walk

    path = zoo.ZOO_DIR / "resnetv2.rg"
    text = path.read_text()
    files = EditorFiles()
    a = analyze(path, text, files)
    assert diags(a) == []
    for line_no, line in enumerate(text.split("\n"), start=1):
        for m in re.finditer(r"\w+", line):
            pos = (line_no, m.start() + 1)
            hover(a, pos), definition(a, pos), references(a, pos, files, True)
            completions(text, (line_no, m.end() + 1), a, a)
    calls = [n.item for item in a.file.models.values() for n in walk(item) if isinstance(n, ast.Element)
             and isinstance(n.item, ast.Call) and n.item.parens and n.item.name not in a.unit.blocks]
    assert len(calls) >= 4
    for call in calls:
        found, _ = hover(a, (call.span.line, call.span.col))
        assert "→ `[" in found, found
