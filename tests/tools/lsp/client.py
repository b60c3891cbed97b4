"""A minimal LSP client for the tests: JSON-RPC over the server process's stdin and stdout, framed
with Content-Length headers as the protocol says, written without pygls so that it checks what
the server really sends."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class Client:
    def __init__(self, timeout: float = 30.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "resgraph", "lsp", "--stdio"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.timeout = timeout
        self.messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(out.read(length).decode("utf-8")))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict):
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        while True:
            msg = self._next()
            if msg.get("id") == rid and "method" not in msg:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result")
            self._other(msg)

    def notification(self, method: str, predicate=lambda params: True) -> dict:
        """The first notification of `method` (already received or coming) whose params pass `predicate`."""
        for i, msg in enumerate(self.notifications):
            if msg["method"] == method and predicate(msg["params"]):
                return self.notifications.pop(i)["params"]
        while True:
            msg = self._next()
            if msg.get("method") == method and "id" not in msg and predicate(msg["params"]):
                return msg["params"]
            self._other(msg)

    def _next(self) -> dict:
        deadline = time.monotonic() + self.timeout
        try:
            msg = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("no message from the server") from None
        if msg is None:
            raise EOFError(f"the server exited: {self.proc.stderr.read().decode(errors='replace')[-2000:]}")
        return msg

    def _other(self, msg: dict) -> None:
        if "id" in msg and "method" in msg:  # a request from the server (registerCapability, ...)
            self.send({"id": msg["id"], "result": None})
        elif "method" in msg:
            self.notifications.append(msg)

    def close(self) -> tuple[int, str]:
        """Shut the server down as an editor does; its exit status and the end of its stderr."""
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            status = self.proc.wait(timeout=self.timeout)
            return status, self.proc.stderr.read().decode(errors="replace")[-3000:]
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
