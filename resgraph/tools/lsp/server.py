"""The language server: pygls over stdio, each LSP request answered by one feature module.

Documents are synchronised whole (a spec is a few kilobytes) and analysed on demand, once per
version: a request for the version already analysed reuses it. Diagnostics are published 10 ms
after a change, unless another change came meanwhile (a burst of keystrokes is analysed once);
a change to one document re-publishes the open documents that import it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .analysis import Analysis, ModelResult, analyze
from .complete import completions
from .diagnostics import lsp_diagnostics
from .files import EditorFiles
from .hints import hints
from .hover import hover
from .navigate import Place, definition, references
from .outline import BINDING, BLOCK, IMPORT, INPUT, MODEL, Symbol, folds, formatted, symbols
from .positions import Positions, units

DEBOUNCE_S = 0.01
TRIGGERS = ["(", ",", ">", "[", " "]
SYMBOL_KINDS = {MODEL: types.SymbolKind.Module, BLOCK: types.SymbolKind.Class, BINDING: types.SymbolKind.Variable,
                INPUT: types.SymbolKind.Field, IMPORT: types.SymbolKind.File}


class ResgraphServer(LanguageServer):
    def __init__(self, version: str) -> None:
        super().__init__("resgraph", version, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.files = EditorFiles(self.open_text)
        self.paths: dict[str, str] = {}  # an open document's Source path → its URI
        self.analyses: dict[str, tuple[tuple, Analysis]] = {}  # URI → (what it was made from, analysis)
        self.good: dict[str, Analysis] = {}  # URI → its latest analysis whose text parsed
        self.generation = 0  # counts text events: an open document's change can change another's imports
        self.shut_down = False  # the client asked for shutdown before exit (exit status 0, else 1)

    # -- documents ------------------------------------------------------------------------------
    def source_path(self, uri: str) -> tuple[Path | None, str]:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return (Path(path), str(Path(path))) if path else (None, uri)

    def open_text(self, path: str) -> str | None:
        uri = self.paths.get(path)
        return self.workspace.get_text_document(uri).source if uri is not None else None

    def analysis(self, uri: str) -> Analysis:
        """The document's analysis, made again only if its text, an open document's text, or a
        file it imports on disk changed since the last one."""
        doc = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached[0] == self.stamp(doc.version, cached[1]):
            return cached[1]
        path, name = self.source_path(uri)
        result = analyze(path, doc.source, self.files, cached[1] if cached else None, name)
        self.analyses[uri] = (self.stamp(doc.version, result), result)
        if result.file is not None:
            self.good[uri] = result
        return result

    def stamp(self, version: int | None, a: Analysis) -> tuple:
        """What an analysis was made from: the version, the count of text events, and the size and
        modification time of each imported file that is not open (edited outside the editor)."""
        disk = []
        for s in a.sources()[1:]:
            if s.path not in self.paths:
                try:
                    st = os.stat(s.path)
                    disk.append((st.st_mtime_ns, st.st_size))
                except OSError:
                    disk.append(None)
        return version, self.generation, tuple(disk)

    def parsed(self, uri: str) -> Analysis | None:
        """The analysis of the document now if it parses, else of its latest text that did."""
        a = self.analysis(uri)
        return a if a.file is not None else self.good.get(uri)

    def positions(self) -> Positions:
        encoding = self.workspace.position_encoding
        return Positions(str(getattr(encoding, "value", encoding) or "utf-16"))

    def uri_of(self, path: str) -> str:
        if path in self.paths:
            return self.paths[path]
        return from_fs_path(path) if os.path.isabs(path) else path

    def others(self, uri: str) -> list[ModelResult]:
        """The models of other open documents that see this one (they instantiate its blocks)."""
        here = self.source_path(uri)[1]
        found = []
        for other, (_, a) in self.analyses.items():
            if other != uri and any(s.path == here for s in a.sources()):
                found += a.models.values()
        return found

    def dependents(self, uri: str) -> list[str]:
        here = self.source_path(uri)[1]
        return [u for u, (_, a) in self.analyses.items() if u != uri and any(s.path == here for s in a.sources())]

    # -- diagnostics ------------------------------------------------------------------------------
    def changed(self, uri: str) -> None:
        self.generation += 1
        for u in [uri, *self.dependents(uri)]:
            if u in self.workspace.text_documents:
                version = self.workspace.get_text_document(u).version
                asyncio.get_running_loop().call_later(DEBOUNCE_S, self.publish, u, version)

    def publish(self, uri: str, version: int | None) -> None:
        if uri not in self.workspace.text_documents:
            return
        if self.workspace.get_text_document(uri).version != version:
            return  # a later change is scheduled
        a = self.analysis(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=lsp_diagnostics(a, self.positions(), self.uri_of)))

    # -- conversions ------------------------------------------------------------------------------
    def location(self, place: Place) -> types.Location:
        path, span = place
        return types.Location(self.uri_of(path), self.positions().range(span))

    def symbol(self, s: Symbol) -> types.DocumentSymbol:
        p = self.positions()
        return types.DocumentSymbol(name=s.name, kind=SYMBOL_KINDS[s.kind], range=p.range(s.span),
                                    selection_range=p.range(s.name_span), detail=s.detail or None,
                                    children=[self.symbol(c) for c in s.children] or None)


def build_server(version: str) -> ResgraphServer:
    """The server with every feature registered; `version` is what it tells the client it is."""
    server = ResgraphServer(version)

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: ResgraphServer, params: None) -> None:
        ls.shut_down = True

    @server.feature(types.EXIT)
    def on_exit(ls: ResgraphServer, params: None) -> None:
        # Leave now: pygls would wait for its reader thread, which waits on stdin until the editor
        # closes the pipe. Every response is written and flushed by then.
        sys.stderr.flush()
        os._exit(0 if ls.shut_down else 1)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ResgraphServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.paths[ls.source_path(uri)[1]] = uri
        ls.changed(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ResgraphServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ResgraphServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_files(ls: ResgraphServer, params: types.DidChangeWatchedFilesParams) -> None:
        # a spec changed on disk (a checkout, another program): check every open document again
        for uri in list(ls.workspace.text_documents):
            ls.changed(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ResgraphServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        dependents = ls.dependents(uri)
        ls.paths.pop(ls.source_path(uri)[1], None)
        ls.analyses.pop(uri, None)
        ls.good.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        ls.generation += 1
        for u in dependents:
            ls.changed(u)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: ResgraphServer, params: types.HoverParams) -> types.Hover | None:
        a = ls.analysis(params.text_document.uri)
        p = ls.positions()
        found = hover(a, p.to_span(a.source, params.position), ls.others(params.text_document.uri))
        if found is None:
            return None
        text, span = found
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text), p.range(span))

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def on_inlay_hint(ls: ResgraphServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        uri = params.text_document.uri
        a = ls.analysis(uri)
        p = ls.positions()
        first, last = params.range.start.line + 1, params.range.end.line + 1
        if a.file is None and uri in ls.good:
            # while the text does not parse, the hints of the latest text that did, on the lines
            # that are still the same: they do not blink off and on at every keystroke
            good = ls.good[uri]
            found = [h for h in hints(good, first, last, ls.others(uri)) if good.source.line(h.line) == a.source.line(h.line)]
        else:
            found = hints(a, first, last, ls.others(uri))
        return [types.InlayHint(position=p.position(a.source, h.line, h.col), label=h.label,
                                kind=types.InlayHintKind.Type, padding_left=True) for h in found]

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: ResgraphServer, params: types.DefinitionParams) -> list[types.Location]:
        a = ls.analysis(params.text_document.uri)
        return [ls.location(pl) for pl in definition(a, ls.positions().to_span(a.source, params.position))]

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def on_references(ls: ResgraphServer, params: types.ReferenceParams) -> list[types.Location]:
        uri = params.text_document.uri
        a = ls.analysis(uri)
        others = [ls.analysis(u) for u in list(ls.analyses) if u != uri and u in ls.workspace.text_documents]
        found = references(a, ls.positions().to_span(a.source, params.position), ls.files,
                           params.context.include_declaration, others)
        return [ls.location(pl) for pl in found]

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
    def on_completion(ls: ResgraphServer, params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        a = ls.analysis(uri)
        pos = ls.positions().to_span(a.source, params.position)
        items = completions(a.source.text, pos, a, ls.good.get(uri))
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(ls: ResgraphServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        uri = params.text_document.uri
        text = ls.workspace.get_text_document(uri).source
        new = formatted(text, ls.source_path(uri)[1])
        if new is None or new == text:
            return []
        last = text.split("\n")[-1]
        end = types.Position(text.count("\n"), units(last, ls.positions().encoding))
        return [types.TextEdit(types.Range(types.Position(0, 0), end), new)]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls: ResgraphServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        a = ls.parsed(params.text_document.uri)
        return [ls.symbol(s) for s in symbols(a.source, a.file)] if a is not None else []

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    def on_folding(ls: ResgraphServer, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        a = ls.parsed(params.text_document.uri)
        if a is None:
            return []
        return [types.FoldingRange(start_line=first - 1, end_line=last - 1, kind=types.FoldingRangeKind.Region)
                for first, last in folds(a.source, a.file)]

    return server


def serve(version: str) -> int:
    """Run the server on stdin and stdout. The client's exit ends the process (status 0 after a
    shutdown request, else 1, as the protocol says); if stdin closes first, this returns 1 (0
    after a shutdown request)."""
    server = build_server(version)
    server.start_io()
    return 0 if server.shut_down else 1
