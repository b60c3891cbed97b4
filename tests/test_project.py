"""The project's promises about itself: README's test command is the one CI runs."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    blocks = re.findall(r"Run the tests:\s*```sh\n(.*?)\n```", readme, re.S)
    assert blocks, "README has no 'Run the tests' command"
    assert ci_lines[-1] == blocks[0].strip()


def test_ruff_finds_no_mistakes():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
