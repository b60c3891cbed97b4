"""What `pip install resgraph` brings is what resgraph imports: no module may be missing on a fresh
machine (numpy once was: safetensors' torch saver imports it, and neither torch's CPU wheel nor
safetensors brings it). .ci/fresh_install tries the built wheel for real; this checks the list."""

import ast
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
# Modules resgraph imports only where it checks for them first, with the extra that brings each.
OPTIONAL = {"matplotlib": "plot", "torchvision": "reference", "timm": "reference", "pygls": "lsp",
            "lsprotocol": "lsp", "onnx": "onnx", "onnxscript": "onnx", "onnxruntime": "onnx",
            "openvino": "bench"}
# Modules a dependency imports on the path resgraph uses without declaring them itself.
UNDECLARED_BY = {"safetensors": ["numpy"]}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower().replace("-", "_") for r in requirements}


def imported_modules() -> set[str]:
    """Top-level names of every absolute import in the package, in functions too."""
    found = set()
    for path in (ROOT / "resgraph").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"__future__", "resgraph"}


def test_every_imported_module_is_declared():
    declared = names(project()["dependencies"])
    third_party = imported_modules()
    assert {"torch", "safetensors", "lark"} <= third_party  # the scan sees the package
    needed = (third_party - OPTIONAL.keys()) | {m for dep in third_party for m in UNDECLARED_BY.get(dep, [])}
    assert needed - declared == set(), "add these to [project] dependencies in pyproject.toml"


def test_optional_modules_come_with_their_extra():
    extras = project()["optional-dependencies"]
    for module, extra in OPTIONAL.items():
        assert module in names(extras[extra])
    assert not names(extras["dev"]) & names(extras["plot"]), "dev must not bring what --plot needs"


def test_torch_is_a_range_the_cpu_build_satisfies():
    """README installs torch==2.13.0 (CPU) first; a pin or a CUDA-only requirement would replace it."""
    (torch,) = [r for r in project()["dependencies"] if names([r]) == {"torch"}]
    assert re.fullmatch(r"torch>=\d+\.\d+(,<\d+)?", torch.replace(" ", "")), torch
    assert tuple(map(int, re.search(r">=(\d+)\.(\d+)", torch).groups())) <= (2, 13)
