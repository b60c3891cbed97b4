"""Python references to models, as the command line names them: `torchvision.models:resnet50`,
`timm:dpn68` (a library's `create_model`), `path/to/file.py:make_model` (a user's own code).

The name after the colon is called with the `-p` parameters (a class or a factory), or taken as it
is when it already is a module; a package that has no such attribute but a `create_model` (timm)
is asked for the model by that name.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

from ...errors import UsageError

_LOADED: set[str] = set()  # the modules this file loaded from users' files (sys.modules names)
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def is_reference(text: str) -> bool:
    """Whether a command-line source names Python code (`module:name`, `file.py:name`) rather than
    a spec (`net.rg`, `net.rg:model`, a zoo name)."""
    left, sep, right = text.rpartition(":")
    if not sep or not _DOTTED.fullmatch(right):
        return False
    return left.endswith(".py") or (bool(_DOTTED.fullmatch(left)) and not left.endswith(".rg"))


def load_reference(text: str, params: dict[str, Any] | None = None):
    """(the module, its name) for a reference; a UsageError says what went wrong."""
    from torch import nn

    params = params or {}
    left, _, name = text.rpartition(":")
    home = _load_file(left) if left.endswith(".py") else _import(left)
    target = getattr(home, name, None)
    if target is None and callable(getattr(home, "create_model", None)):
        made = _call(text, home.create_model, params, name)
    elif target is None:
        raise UsageError(f"{left} has no attribute '{name}'", hint=f"check the name after the colon in '{text}'")
    elif isinstance(target, nn.Module):
        if params:
            raise UsageError(f"{text} is a module already; -p parameters apply to a class or a function")
        made = target
    elif callable(target):
        made = _call(text, target, params)
    else:
        raise UsageError(f"{text} is a {type(target).__name__}, not a model, a class or a function")
    if not isinstance(made, nn.Module):
        raise UsageError(f"{text} gave a {type(made).__name__}, not a torch.nn.Module")
    return made, name


def _import(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise UsageError(f"cannot import {module}: {exc}",
                         hint=f"install it (pip install {top}) or check the module name") from None
    except Exception as exc:  # noqa: BLE001 - whatever a package raises while importing
        raise UsageError(f"importing {module} failed: {type(exc).__name__}: {exc}") from None


def _load_file(path: str):
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"cannot find {path}", hint="give the path of a Python file: path/to/file.py:make_model")
    name = re.sub(r"[^0-9A-Za-z_]", "_", file.stem)  # the classes' module, as docstrings show it
    if name in sys.modules and name not in _LOADED:
        name = f"_resgraph_import_{name}"  # a module of that name is in use: not ours to replace
    _LOADED.add(name)
    spec = importlib.util.spec_from_file_location(name, file.resolve())
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # code that looks itself up (dataclasses) finds itself
    sys.path.insert(0, str(file.resolve().parent))  # so that the file's own imports of its neighbours work
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's file, whatever it raises
        raise UsageError(f"running {path} failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(file.resolve().parent))
    return module


def _call(text: str, fn, params: dict[str, Any], *args: Any):
    try:
        return fn(*args, **params)
    except Exception as exc:  # noqa: BLE001 - a constructor's own error, shown with its name
        raise UsageError(f"{text}({_shown(params)}) failed: {type(exc).__name__}: {exc}",
                         hint="check the -p parameters against the constructor's arguments") from None


def _shown(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())
