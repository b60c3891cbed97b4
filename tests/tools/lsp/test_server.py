"""`resgraph lsp` as an editor sees it: a client talking JSON-RPC to the server process over stdio.

One server for the module (starting one imports torch: about a second); each test opens its own
documents.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pygls")

from tests.tools.lsp.client import Client  # noqa: E402
from tests.tools.lsp.specs import NET, TWO_ERRORS, at, write  # noqa: E402


@pytest.fixture(scope="module")
def server():
    client = Client()
    result = client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    client.capabilities = result["capabilities"]
    yield client
    status, stderr = client.close()
    assert status == 0, stderr


def open_doc(server, path, text, version=1):
    uri = path.as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rg", "version": version,
                                                            "text": text}})
    return uri


def diagnostics(server, uri, version):
    return server.notification("textDocument/publishDiagnostics",
                               lambda p: p["uri"] == uri and p.get("version") == version)["diagnostics"]


def lsp_range(line, col, end_col):
    """A one-line LSP range from 1-based span coordinates."""
    return {"start": {"line": line - 1, "character": col - 1}, "end": {"line": line - 1, "character": end_col - 1}}


def position(line, col):
    return {"line": line - 1, "character": col - 1}


def test_the_server_says_what_it_can_do(server):
    caps = server.capabilities
    for provider in ("hoverProvider", "definitionProvider", "referencesProvider", "documentFormattingProvider",
                     "documentSymbolProvider", "foldingRangeProvider", "inlayHintProvider", "completionProvider"):
        assert caps.get(provider), provider
    assert caps["positionEncoding"] == "utf-16"


def test_diagnostics_on_open_and_after_a_change_that_fixes_one(server, tmp_path):
    uri = open_doc(server, tmp_path / "broken.rg", TWO_ERRORS)
    found = diagnostics(server, uri, 1)
    line, col = at(TWO_ERRORS, 3, "bnx")
    line2, col2 = at(TWO_ERRORS, 4, "conv(16, 3, strid=2)")
    assert [d["range"] for d in found] == [lsp_range(line, col, col + 3),
                                           lsp_range(line2, col2, col2 + len("conv(16, 3, strid=2)"))]
    assert "help: did you mean 'bn'?" in found[0]["message"] and found[0]["severity"] == 1
    fixed = TWO_ERRORS.replace("bnx", "bn")
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    (left,) = diagnostics(server, uri, 2)
    assert left["range"] == lsp_range(line2, col2, col2 + len("conv(16, 3, strid=2)"))
    assert "no attribute 'strid'" in left["message"]


def test_hover_gives_the_shape(server, tmp_path):
    _, net = write(tmp_path)
    uri = open_doc(server, net, NET)
    hover = server.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": position(*at(NET, 7, "layer2: basic", 9))})
    assert hover["contents"]["kind"] == "markdown"
    assert "`layer2` → `[32, 16, 16]`" in hover["contents"]["value"]
    line, col = at(NET, 7, "basic(32")
    assert hover["range"] == lsp_range(line, col, col + len("basic"))


def test_definition_across_an_import(server, tmp_path):
    blocks, net = write(tmp_path)
    uri = open_doc(server, net, NET)
    (found,) = server.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                          "position": position(*at(NET, 7, "basic(16"))})
    assert found["uri"] == blocks.as_uri()
    assert found["range"] == lsp_range(1, 7, 12)  # `basic` in `block basic(...)`


def test_completion_inside_a_call(server, tmp_path):
    _, net = write(tmp_path)
    text = NET.replace("linear(num_classes)", "linear(num_classes, ")
    uri = open_doc(server, net, text)
    result = server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": position(*at(text, 8, ", ", 2))})
    labels = [item["label"] for item in result["items"]]
    assert labels[0] == "bias=" and "out_features=" not in labels and "num_classes" in labels


def test_formatting_edits_the_whole_document(server, tmp_path):
    messy = "model m {\n  input x[3,8,8]\n  out = x->conv(4,3)->relu\n}\n"
    uri = open_doc(server, tmp_path / "m.rg", messy)
    (edit,) = server.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                         "options": {"tabSize": 4, "insertSpaces": True}})
    assert edit["range"] == {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 0}}
    assert edit["newText"] == "model m {\n    input x[3, 8, 8]\n    out = x -> conv(4, 3) -> relu\n}\n"


def test_the_server_leaves_when_the_editor_closes_the_pipe():
    """An editor that dies sends no exit: the server must not linger (status 1: no shutdown asked)."""
    client = Client()
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.proc.stdin.close()
    assert client.proc.wait(timeout=client.timeout) == 1


def test_an_edit_to_an_open_import_rechecks_the_file_importing_it(server, tmp_path):
    blocks, net = write(tmp_path)
    uri = open_doc(server, net, NET)
    assert diagnostics(server, uri, 1) == []
    blocks_uri = open_doc(server, blocks, blocks.read_text())
    assert diagnostics(server, blocks_uri, 1) == []
    unsaved = blocks.read_text().replace("bn2: bn", "bn2: bnn")  # not saved: the server reads the editor's text
    server.notify("textDocument/didChange", {"textDocument": {"uri": blocks_uri, "version": 2},
                                             "contentChanges": [{"text": unsaved}]})
    (found,) = server.notification("textDocument/publishDiagnostics",
                                   lambda p: p["uri"] == uri and p["diagnostics"])["diagnostics"]
    assert found["message"].startswith("blocks.rg:4:") and "unknown op or block 'bnn'" in found["message"]
    assert found["range"]["start"]["line"] == 6  # at the first instance, `layer1: basic(16) * 2`


def test_a_change_on_disk_is_seen_when_the_editor_reports_it(server, tmp_path):
    blocks, net = write(tmp_path)
    uri = open_doc(server, net, NET)
    assert diagnostics(server, uri, 1) == []
    blocks.write_text(blocks.read_text().replace("bn1: bn", "bn1: bnx"))
    server.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": blocks.as_uri(), "type": 2}]})
    (found,) = server.notification("textDocument/publishDiagnostics",
                                   lambda p: p["uri"] == uri and p["diagnostics"])["diagnostics"]
    assert "unknown op or block 'bnx'" in found["message"]
