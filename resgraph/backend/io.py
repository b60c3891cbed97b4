"""Saving and loading compiled models without pickle: the spec as text, the weights as safetensors.

A saved model is a directory::

    manifest.json         model name, parameter values, input shape, where the spec is
    model.rg              the spec as one self-contained text (syntax.unparse.to_rg: the blocks it uses,
                          the model with its parameter values as defaults)
    weights.safetensors   every parameter and buffer (BN running stats included), by state_dict key

Loading parses the spec, rebuilds the module and checks every tensor's name and shape against it
before copying; nothing in the directory is executed or unpickled, and nothing outside it is read:
every file must be a regular file inside the directory, reached without symbolic links.

Saving is atomic: everything is written into a hidden sibling directory that is then renamed into
place, so a failed save leaves nothing behind. An existing target is replaced only if it is empty
or a saved model holding nothing but these three regular files, its manifest resgraph's; anything
else is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import uuid
import warnings
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import fx

from ..errors import ResgraphError, Span, UsageError, WeightsError
from ..syntax.loader import check_regular, load_graph, outside, read_file
from ..syntax.unparse import to_rg
from .fx import build_module, unoptimized_graph

FORMAT = "resgraph-model"
VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "weights.safetensors"
SPEC = "model.rg"
SAVED = (MANIFEST, SPEC, WEIGHTS)  # everything a save writes, and all that replacing one removes


class Manifest(BaseModel):
    """What manifest.json holds; validated on load so a damaged file fails with a clear message."""

    model_config = ConfigDict(extra="forbid")

    format: str
    version: int
    model: str
    spec: str  # path of the model's .rg file, relative to the directory
    params: dict[str, Any]
    input_shape: list[int | None]


def save(module: fx.GraphModule, directory: str | Path) -> Path:
    """Write `module` (opt level 0, trained or not) to `directory`; returns the directory."""
    graph = unoptimized_graph(module, "save_model", "save the opt level 0 module and call resgraph.optimize after loading")
    directory = _directory_arg(directory, "save_model")
    manifest = Manifest(
        format=FORMAT,
        version=VERSION,
        model=graph.name,
        spec=SPEC,
        params={k: _encode(v) for k, v in graph.params.items()},
        input_shape=list(graph.attrs(graph.inputs[0]).shape),
    )
    files = {SPEC: to_rg(graph), MANIFEST: manifest.model_dump_json(indent=2) + "\n"}
    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    created: list[Path] = []
    tmp = None
    try:
        target = Path(os.path.abspath(directory))  # "." and "x/.." get a name to put a sibling beside
        check_target(target, Span.file(str(directory)))
        created = [p for p in target.parents if not p.exists()]  # innermost first
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.saving")
        tmp.mkdir()  # not mkdtemp: the saved directory gets the usual mode (umask), not 0700
        save_file(tensors, str(tmp / WEIGHTS), metadata={"format": "pt", "model": graph.name})
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        old = _move_into_place(tmp, target)
    except BaseException as exc:  # leave nothing behind: the half-written save, the parents made for it
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for parent in created:
            with contextlib.suppress(OSError):
                parent.rmdir()
        if isinstance(exc, (OSError, SafetensorError)):
            raise UsageError(f"cannot save the model: {getattr(exc, 'strerror', None) or exc}; nothing was written",
                             Span.file(str(directory)),
                             hint="save to a directory you can write to, on a disk with space left") from None
        raise
    if old is not None:  # outside the try: the new save is in place, whatever happens to the old one
        _remove_old_save(old)
    return directory


def check_target(directory: Path, where: Span) -> None:
    """Refuse a target we would have to clobber: only an empty directory or a saved model is replaced."""
    if directory.is_symlink():
        raise UsageError("this is a symbolic link; refusing to replace it", where,
                         hint="save to the directory it points to, or to a new one")
    if not directory.exists():
        return
    if not directory.is_dir():
        raise UsageError("this exists and is not a directory; refusing to overwrite it", where,
                         hint="pick a new or empty directory")
    if os.path.samefile(directory, os.getcwd()):
        raise UsageError("this is the current directory, which a save would replace", where,
                         hint="save to a new directory below it")
    names = sorted(p.name for p in directory.iterdir())
    if names:
        _check_old_save(directory, names, where)
    if not os.access(directory, os.W_OK):
        raise UsageError("this directory is read-only", where, hint="save to a directory you can write to")


def _check_old_save(directory: Path, names: list[str], where: Span) -> None:
    """A non-empty target is replaced only if it is exactly an earlier save: the three files a save
    writes, each a regular file, and a manifest that is resgraph's. A folder of the user's own that
    happens to hold a manifest.json (a web app's, say) is refused, and so is anything that removing
    the old save file by file could not remove."""
    extra = [n for n in names if n not in SAVED]
    if extra and MANIFEST not in names:
        raise UsageError(f"this directory is not empty and not a saved resgraph model (it holds {_listed(names)}); "
                         "refusing to write into it", where, hint="pick a new or empty directory")
    if extra:
        raise UsageError(f"this saved model's directory also holds {_listed(extra)}; refusing to replace it", where,
                         hint="move those files out, or save to a new directory")
    missing = [n for n in SAVED if n not in names]
    if missing:
        raise UsageError(f"this directory holds {_listed(names)} but no {_listed(missing)}, so it is not a saved "
                         "resgraph model; refusing to replace it", where, hint="pick a new or empty directory")
    for name in SAVED:
        mode = os.lstat(directory / name).st_mode
        if not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
            raise UsageError(f"this directory's {name} is {what}, not a file a save writes; refusing to replace it",
                             where, hint="move it out, or save to a new directory")
    if not _is_our_manifest(directory / MANIFEST):
        raise UsageError(f"this directory's {MANIFEST} is not a resgraph manifest (format {FORMAT!r}), so it is "
                         "not a saved model; refusing to replace it", where, hint="pick a new or empty directory")


def _listed(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _is_our_manifest(path: Path) -> bool:
    """Whether `path` is JSON with resgraph's format name and an integer version (any version: an
    older or newer save is still ours to replace)."""
    try:
        data = json.loads(read_file(path, kind=UsageError, follow_symlinks=False))
    except (ResgraphError, ValueError, RecursionError):
        return False
    return (isinstance(data, dict) and data.get("format") == FORMAT
            and type(data.get("version")) is int)


def _move_into_place(tmp: Path, directory: Path) -> Path | None:
    """Rename the finished save onto `directory`. An old save is set aside first and returned for the
    caller to remove; if anything (an error, Ctrl-C) stops the swap halfway, the old one is put back."""
    if not directory.exists():
        os.rename(tmp, directory)
        return None
    os.chmod(tmp, stat.S_IMODE(directory.stat().st_mode))
    old = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}.old")
    try:
        os.rename(directory, old)
        os.rename(tmp, directory)
    except BaseException:
        if os.path.lexists(old) and not os.path.lexists(directory):
            os.rename(old, directory)
        raise
    return old


def _remove_old_save(old: Path) -> None:
    """Delete the replaced save's own files (checked by check_target; never rmtree). The new save is
    in place by now, so a failure here (something swapped in since the check) only leaves the old
    folder behind, and says so in a warning rather than an error."""
    try:
        for name in SAVED:
            with contextlib.suppress(FileNotFoundError):
                (old / name).unlink()
        old.rmdir()
    except OSError as exc:
        warnings.warn(f"{old}: the model was saved, but the previous save set aside here could not be removed "
                      f"({exc.strerror or exc}); delete it by hand", RuntimeWarning, stacklevel=3)


def load(directory: str | Path) -> fx.GraphModule:
    """Rebuild a module saved by `save` from its spec and fill it with the saved tensors."""
    directory = _directory_arg(directory, "load_model")
    manifest = _read_manifest(directory)
    root = directory.resolve()
    why = "the name holds a NUL character" if "\0" in manifest.spec else outside(root, Path(manifest.spec))
    if why:
        raise WeightsError(f"the manifest's spec {manifest.spec!r} is refused: {why}",
                           Span.file(str(directory / MANIFEST)),
                           hint="a saved model reads only regular files inside its directory")
    spec = root / manifest.spec
    if not os.path.lexists(spec):
        raise WeightsError(f"the manifest names {manifest.spec}, which is missing", Span.file(str(directory / MANIFEST)))
    graph = load_graph(
        spec,
        model=manifest.model,
        input_shape=tuple(manifest.input_shape),
        params={k: _decode(v) for k, v in manifest.params.items()},
        confine=root,
    )
    module = build_module(graph, seed=0)  # seeded: filling it must not consume the global RNG
    weights = directory / WEIGHTS
    check_regular(weights, kind=WeightsError, follow_symlinks=False)
    try:
        tensors = load_file(str(weights))
    except (OSError, SafetensorError) as exc:
        raise WeightsError(f"cannot read weights: {exc}", Span.file(str(weights))) from None
    _check_tensors(directory, tensors, module.state_dict())
    dtypes = {t.dtype for t in tensors.values() if t.is_floating_point()}
    if len(dtypes) == 1 and dtypes != {torch.get_default_dtype()}:
        module.to(dtypes.pop())  # a model saved after .half()/.to(bf16) comes back in that dtype
    module.load_state_dict(tensors, strict=True)
    return module


def _directory_arg(directory: Any, function: str) -> Path:
    """The API's directory argument as a Path; anything else is a usage error, not a TypeError."""
    if not isinstance(directory, (str, Path)):
        raise UsageError(f"{function} takes a directory path (a str or Path), not {type(directory).__name__}")
    if "\0" in str(directory):
        raise UsageError(f"{function}: {str(directory)!r} is not a path (it holds a NUL character)")
    return Path(directory)


def _read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not os.path.lexists(path):
        raise UsageError(
            f"no saved model here: {MANIFEST} is missing",
            Span.file(str(directory)),
            hint="save one with resgraph.save_model(module, dir) or `resgraph compile SPEC --save DIR`",
        )
    data = read_file(path, kind=WeightsError, follow_symlinks=False)
    try:
        manifest = Manifest.model_validate_json(data)
    except ValidationError as exc:
        raise WeightsError(f"this manifest is damaged: {exc.errors()[0]['msg']}", Span.file(str(path))) from None
    if manifest.format != FORMAT or manifest.version > VERSION:
        raise WeightsError(
            f"format {manifest.format!r} version {manifest.version} is not one this "
            f"resgraph reads ({FORMAT!r} up to version {VERSION})",
            Span.file(str(path)),
            hint="upgrade resgraph",
        )
    return manifest


def _check_tensors(directory: Path, saved: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    """Every tensor present, none extra, each the spec's shape: else one error listing them all."""
    missing = [k for k in expected if k not in saved]
    unexpected = sorted(k for k in saved if k not in expected)
    mismatched = [
        f"{k}: saved {list(saved[k].shape)} {saved[k].dtype}, spec wants {list(v.shape)} {v.dtype}"
        for k, v in expected.items()
        if k in saved
        and (saved[k].shape != v.shape or saved[k].is_floating_point() != v.is_floating_point())
    ]
    if not (missing or unexpected or mismatched):
        return
    parts = []
    for title, items in (("missing", missing), ("unexpected", unexpected), ("mismatched", mismatched)):
        if items:
            shown = "\n  ".join(items[:20]) + (f"\n  ... and {len(items) - 20} more" if len(items) > 20 else "")
            parts.append(f"{len(items)} {title}:\n  {shown}")
    raise WeightsError(
        "these weights do not match their spec:\n" + "\n".join(parts),
        Span.file(str(directory / WEIGHTS)),
        hint="the spec or its parameters changed since saving; restore them or save again",
    )


def _encode(value: Any) -> Any:
    """JSON has no tuples; pairs like (3, 1) are kept apart from lists so they load back as pairs."""
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"tuple"}:
        return tuple(_decode(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


__all__ = ["FORMAT", "Manifest", "load", "save"]
