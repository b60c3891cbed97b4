"""`resgraph check`: one line per valid model, diagnostics on stderr, exit codes 0 / 1 / 2."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args):
    return subprocess.run([sys.executable, "-m", "resgraph", "check", *args], capture_output=True, text=True)


def test_valid_sources(tmp_path):
    r = run(str(EXAMPLES / "tiny_resnet.rg"), f"{EXAMPLES / 'tiny_densenet.rg'}:tiny_densenet")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and "tiny_resnet: ok, 37 nodes, 43,226 params, output [10]" in lines[0]


def test_errors_and_usage(tmp_path):
    bad = tmp_path / "bad.rg"
    bad.write_text("model m {\n    input x[3, 8, 8]\n    out = x -> convv(8)\n}\n")
    r = run(str(bad))
    assert r.returncode == 1 and "bad.rg:3:16: error: unknown op or block 'convv'" in r.stderr
    assert "Traceback" not in r.stderr
    r = run(str(tmp_path / "missing.rg"))
    assert r.returncode == 2 and "no such file" in r.stderr
