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


def test_the_wheel_carries_the_grammar_and_the_zoo(tmp_path):
    """`pip install .` (not only -e) must work: the one grammar and the specs ship inside the wheel."""
    import sys
    import zipfile

    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    if build.returncode != 0 and "No module named" in build.stderr:
        pytest.skip(f"cannot build wheels here: {build.stderr.strip().splitlines()[-1]}")
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("resgraph-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "resgraph/grammar/resgraph.lark" in names
    assert zipfile.ZipFile(wheel).read("resgraph/grammar/resgraph.lark") == (ROOT / "grammar" / "resgraph.lark").read_bytes()
    assert {"resgraph/zoo/resnet.rg", "resgraph/zoo/densenet.rg"} <= names
