"""`resgraph viz spec.rg --serve`: the viewer on localhost, drawn again when the spec is saved."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resgraph.cli import app

SPEC = """
block basic(c: int) {
    f = in -> conv1: conv(c, 3, bias=false) -> bn1: bn -> relu
    out = add(f, in) -> relu
}

model tiny {
    input x[16, 32, 32]
    out = x -> layer1: basic(16) * 2 -> adaptive_avgpool(1) -> flatten -> fc: linear(10)
}
"""


@contextlib.contextmanager
def served(spec: Path, timeout: float = 60) -> Iterator[str]:
    """`resgraph viz spec --serve --port 0` in a process of its own; yields the address it prints."""
    proc = subprocess.Popen([sys.executable, "-m", "resgraph", "viz", str(spec), "--serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else ""
        assert line.startswith("serving http://127.0.0.1:"), line + (proc.stdout.read() if proc.poll() is not None else "")
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode()


def save(path: Path, text: str) -> None:
    """Write and move the modification time on, as an editor's save does (even within one tick)."""
    path.write_text(text)
    later = time.time() + 2
    os.utime(path, (later, later))


def wait_for_new_version(url: str, old: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        version = get(url + "version")
        if version != old:
            return version
        time.sleep(0.1)
    raise AssertionError(f"the page was not drawn again within {timeout} s")


def test_serves_the_viewer_and_draws_it_again_on_save(tmp_path):
    spec = tmp_path / "net.rg"
    spec.write_text(SPEC)
    with served(spec) as url:
        page = get(url)
        version = get(url + "version")
        assert "resgraphViewer" in page and f'"version":"{version}"' in page and '"s":"10"' in page
        save(spec, SPEC.replace("linear(10)", "linear(12)"))
        version = wait_for_new_version(url, version)
        page = get(url)
        assert '"s":"12"' in page and f'"version":"{version}"' in page
        save(spec, SPEC.replace("linear(10)", "lineaar(12)"))  # a mistake: its diagnostic is served
        version = wait_for_new_version(url, version)
        page = get(url)
        assert "does not load" in page and "did you mean &#x27;linear&#x27;?" in page and version in page
        save(spec, SPEC)  # fixed: the picture is back
        wait_for_new_version(url, version)
        assert '"s":"10"' in get(url)
        with pytest.raises(urllib.error.HTTPError, match="404"):
            get(url + "nothing")  # only / and /version are served


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_stops_the_server_quietly(tmp_path):
    spec = tmp_path / "net.rg"
    spec.write_text(SPEC)
    proc = subprocess.Popen([sys.executable, "-m", "resgraph", "viz", str(spec), "--serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout.readline().startswith("serving http://127.0.0.1:")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0 and "Traceback" not in proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()


def test_serve_refuses_an_output_file_and_a_missing_spec(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["viz", "x.rg", "--serve", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "leave out -o" in result.output
    result = runner.invoke(app, ["viz", str(tmp_path / "missing.rg"), "--serve", "--port", "0"])
    assert result.exit_code != 0 and "missing.rg" in result.output
    result = runner.invoke(app, ["viz", "resnet18"])
    assert result.exit_code == 2 and "needs an output file (-o model.svg) or --serve" in result.output
