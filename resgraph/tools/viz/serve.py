"""`resgraph viz spec.rg --serve`: the viewer on localhost, drawn again whenever a file it was built
from changes, for writing a spec with its picture beside it.

A thread polls the files' modification times (no watcher library, works on every OS and
editor, atomic saves included); the page polls `/version` and reloads when it changes. A spec
that does not load serves its diagnostics instead, and the next good save brings the picture back.
Only 127.0.0.1 is bound: the page is for the person at this machine.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ...errors import ResgraphError, UsageError

HOST = "127.0.0.1"
POLL_S = 0.3  # how often the files are looked at
PAGE_POLL_MS = 500  # how often the page asks for the version

# render(live) → (the page, the files it was drawn from); `live` goes to `to_html(live=...)`
Render = Callable[[dict[str, Any]], tuple[str, list[str]]]

ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: does not load</title>
<style>body {{ font: 13px Helvetica, Arial, sans-serif; margin: 1.5em; }} pre {{ background: #fff5f5;
padding: .8em; border-left: 3px solid #e03131; white-space: pre-wrap; }}</style></head><body>
<h1>{title} does not load</h1><p>Fix the file and save: this page reloads by itself.</p><pre>{text}</pre>
<script>setInterval(() => fetch("/version", {{cache: "no-store"}}).then(r => r.text())
  .then(v => {{ if (v !== "{version}") location.reload(); }}, () => {{}}), {every});</script>
</body></html>
"""


class LivePage:
    """The current page and its version; `check()` redraws it when a watched file has changed."""

    def __init__(self, render: Render, title: str, watch: list[str]) -> None:
        self.render = render
        self.title = title
        self.started = f"{time.time():.0f}"  # a page from an earlier server reloads too
        self.count = 0
        self.watch = list(watch)
        self.stamps: dict[str, tuple[int, int] | None] = {}
        self.page = ""
        self.lock = threading.Lock()
        self.redraw()

    @property
    def version(self) -> str:
        return f"{self.started}-{self.count}"

    def redraw(self) -> None:
        count = self.count + 1
        version = f"{self.started}-{count}"
        live = {"url": "/version", "version": version, "every": PAGE_POLL_MS}
        before = {path: _stamp(path) for path in self.watch}  # a save while drawing is seen next time
        try:
            page, files = self.render(live)
            watch = sorted(set(self.watch[:1] + files))
        except ResgraphError as exc:
            text = "\n".join(d.render() for d in exc.diagnostics)
            page = ERROR_PAGE.format(title=escape(self.title), text=escape(text), version=version,
                                     every=PAGE_POLL_MS)
            watch = self.watch  # the files of the last good drawing, and the spec itself
        with self.lock:  # the page and its version change together
            self.page, self.watch, self.count = page, watch, count
            self.stamps = {path: before[path] if path in before else _stamp(path) for path in watch}

    def check(self) -> bool:
        """Redraw if a watched file changed (written, replaced or removed); True if it did."""
        if all(_stamp(path) == stamp for path, stamp in self.stamps.items()):
            return False
        self.redraw()
        return True


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def serve(live: LivePage, port: int, ready: Callable[[str], None]) -> None:
    """Serve `live` on 127.0.0.1:`port` (0: any free port) until interrupted; `ready(url)` is
    called once the socket listens."""
    try:
        server = ThreadingHTTPServer((HOST, port), _handler(live))
    except OSError as exc:
        raise UsageError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}",
                         hint="choose another port with --port, or --port 0 for any free one") from None
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(POLL_S):
            live.check()

    watcher = threading.Thread(target=watch, name="resgraph-viz-watch", daemon=True)
    try:
        watcher.start()
        ready(f"http://{HOST}:{server.server_address[1]}/")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()


def _handler(live: LivePage) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            path = self.path.split("?", 1)[0]
            if path == "/":
                with live.lock:
                    body, kind = live.page.encode(), "text/html; charset=utf-8"
            elif path == "/version":
                with live.lock:
                    body, kind = live.version.encode(), "text/plain; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # one line per request would bury the useful output
            pass

    return Handler
