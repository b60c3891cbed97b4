"""Ops from a package outside resgraph: `--plugin package.module` and the `resgraph.ops` entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import resgraph

ROOT = Path(resgraph.__file__).resolve().parents[1]

MYOPS = textwrap.dedent('''
    """A plugin: one op, `scale(factor)`, x * factor elementwise, through a layer class of its own."""

    import torch
    from pydantic import Field
    from torch import nn

    import resgraph
    from resgraph.ir.ops.base import Attrs, OpDef, shown


    class Scale(nn.Module):
        """x * factor; the factor also kept as a buffer (filled by reset_parameters)."""

        def __init__(self, factor: float = 1.0) -> None:
            super().__init__()
            self.factor = factor
            self.register_buffer("value", torch.empty(()))
            self.reset_parameters()

        def reset_parameters(self) -> None:
            with torch.no_grad():
                self.value.fill_(self.factor)

        def forward(self, x):
            return x * self.value


    class ScaleAttrs(Attrs):
        factor: float = Field(default=1.0, ge=-1e6, le=1e6)


    @resgraph.register_op
    class ScaleOp(OpDef):
        name = "scale"
        attrs = ScaleAttrs
        summary = "x * factor, elementwise"
        examples = ("scale(2.0)", "scale(-0.5)")

        def label(self, attrs):
            return f"×{shown(attrs.factor)}"

        def macs(self, attrs, inputs, out):
            return out.numel()

        def emit(self, b, attrs, inputs, types, out):
            return b.module(Scale(attrs.factor), inputs[0])

        def init(self, module, generator):
            module.reset_parameters()
''')

SPEC = """model scaled {
    input x[3, 4, 4]
    out = x -> s1: scale(2.5) -> relu -> s2: scale(-1.0)
}
"""

RUN = textwrap.dedent("""
    import importlib.util, sys
    sys.modules["resgraph"] = None
    sys.modules["myops"] = None  # the file needs neither
    import torch
    spec = importlib.util.spec_from_file_location("scaled", sys.argv[1])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x = torch.linspace(-2, 2, 48).reshape(1, 3, 4, 4)
    y = mod.Scaled().eval()(x)
    assert torch.equal(y, -torch.relu(x * 2.5)), y
    print("standalone ok", sorted(mod.Scaled().state_dict()))
""")


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "pkg" / "myops").mkdir(parents=True)
    (tmp_path / "pkg" / "myops" / "__init__.py").write_text(MYOPS)
    (tmp_path / "spec.rg").write_text(SPEC)
    return tmp_path


def cli(cwd: Path, *args: str, path: list[Path] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, path)])}
    return subprocess.run([sys.executable, "-m", "resgraph", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_plugin_option_loads_ops_for_check_and_compile(workdir):
    pkg = workdir / "pkg"
    missing = cli(workdir, "check", "spec.rg", path=[pkg])
    assert missing.returncode == 1 and "unknown op or block 'scale'" in missing.stderr
    ok = cli(workdir, "check", "spec.rg", "--plugin", "myops", path=[pkg])
    assert ok.returncode == 0, ok.stderr
    assert "scaled: ok, 4 nodes" in ok.stdout
    built = cli(workdir, "compile", "spec.rg", "--plugin", "myops", "-o", "out.py", path=[pkg])
    assert built.returncode == 0, built.stderr
    source = (workdir / "out.py").read_text()
    assert source.count("class Scale(nn.Module):") == 1 and "self.s1 = Scale(factor=2.5)" in source
    run = subprocess.run([sys.executable, "-c", RUN, str(workdir / "out.py")], capture_output=True, text=True,
                         env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ""}, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "standalone ok ['s1.value', 's2.value']" in run.stdout


def test_a_plugin_that_fails_to_import_is_a_usage_error(workdir):
    gone = cli(workdir, "check", "spec.rg", "--plugin", "nosuch_plugin")
    assert gone.returncode == 2
    assert "--plugin nosuch_plugin: the plugin failed to import: ModuleNotFoundError" in gone.stderr
    assert "help:" in gone.stderr and "Traceback" not in gone.stderr
    (workdir / "pkg" / "broken.py").write_text("raise RuntimeError('half-written plugin')\n")
    broken = cli(workdir, "compile", "spec.rg", "--plugin", "broken", "-o", "x.py", path=[workdir / "pkg"])
    assert broken.returncode == 2 and "RuntimeError: half-written plugin" in broken.stderr


def test_registering_a_taken_name_is_refused():
    from resgraph.ir.ops.simple import Identity

    class Again(Identity):
        pass

    with pytest.raises(ValueError, match="cannot register op 'identity': the name 'identity' belongs to "
                                         "resgraph.ir.ops.simple.Identity already"):
        resgraph.register_op(Again)


def test_an_installed_distributions_entry_point_is_loaded_without_the_option(workdir):
    site = workdir / "site"
    info = site / "myops_dist-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: myops-dist\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[resgraph.ops]\nscale = myops\n")
    ok = cli(workdir, "check", "spec.rg", path=[site, workdir / "pkg"])
    assert ok.returncode == 0, ok.stderr
    built = cli(workdir, "compile", "spec.rg", "-o", "out.py", path=[site, workdir / "pkg"])
    assert built.returncode == 0 and "class Scale(nn.Module):" in (workdir / "out.py").read_text()
    (info / "entry_points.txt").write_text("[resgraph.ops]\nbad = nosuch_plugin\n")
    bad = cli(workdir, "check", "spec.rg", path=[site])
    assert bad.returncode != 0 and "entry point 'bad' (resgraph.ops): nosuch_plugin" in bad.stderr
    assert "Traceback" not in bad.stderr
