"""The shipped specs: .rg files in this folder, found by model name or by file name."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ZOO_DIR = Path(__file__).resolve().parent
FAMILIES = ("resnet", "densenet", "cifar_resnet", "cifar_plain", "cifar_densenet", "convnext", "fcn")  # listing order
# `model a(...) {` or a derived `model b = a(...)`
_MODEL = re.compile(r"^\s*model\s+([A-Za-z_][A-Za-z0-9_]*)\s*[(=]", re.MULTILINE)


def spec_files() -> list[Path]:
    return sorted(ZOO_DIR.glob("*.rg"))


def module_path(name: str) -> Path | None:
    """The zoo file for `import name` (e.g. `import resnet` → zoo/resnet.rg)."""
    path = ZOO_DIR / f"{name}.rg"
    return path if path.is_file() else None


@cache
def _index() -> dict[str, Path]:
    index: dict[str, Path] = {}
    for path in spec_files():
        for name in _MODEL.findall(path.read_text()):
            index.setdefault(name, path)
    return index


def find_model(name: str) -> Path | None:
    """The zoo file that defines model `name` (e.g. "resnet50" → zoo/resnet.rg)."""
    return _index().get(name)


def model_names() -> list[str]:
    return sorted(_index())


def family(name: str) -> str | None:
    """A model's family is the file it lives in ("resnet50" → "resnet")."""
    path = find_model(name)
    return None if path is None else path.stem
