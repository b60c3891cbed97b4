"""Saving and loading compiled models without pickle: the spec as text, the weights as safetensors.

A saved model is a directory::

    manifest.json         model name, parameter values, input shape, where the spec is
    model.rg              the spec as one self-contained text (Graph.to_rg: the blocks it uses,
                          the model with its parameter values as defaults)
    weights.safetensors   every parameter and buffer (BN running stats included), by state_dict key

Loading parses the spec, rebuilds the module and checks every tensor's name and shape against it
before copying; nothing in the directory is executed or unpickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, ValidationError
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import fx

from ..errors import UsageError, WeightsError
from .fx import build_module

FORMAT = "resgraph-model"
VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "weights.safetensors"
SPEC = "model.rg"


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
    graph = _graph_of(module)
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()) and not (directory / MANIFEST).is_file():
        raise UsageError(
            f"{directory} exists and is not a saved resgraph model; refusing to write into it",
            hint="pick a new or empty directory",
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / SPEC).write_text(graph.to_rg())
    manifest = Manifest(
        format=FORMAT,
        version=VERSION,
        model=graph.name,
        spec=SPEC,
        params={k: _encode(v) for k, v in graph.params.items()},
        input_shape=list(graph.attrs(graph.inputs[0]).shape),
    )
    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    save_file(tensors, str(directory / WEIGHTS), metadata={"format": "pt", "model": graph.name})
    (directory / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
    return directory


def load(directory: str | Path) -> fx.GraphModule:
    """Rebuild a module saved by `save` from its spec and fill it with the saved tensors."""
    from ..syntax.loader import load_graph

    directory = Path(directory)
    manifest = _read_manifest(directory)
    spec = directory / manifest.spec
    if not spec.is_file():
        raise WeightsError(f"{directory}: the manifest names {manifest.spec}, which is missing")
    graph = load_graph(
        str(spec),
        model=manifest.model,
        input_shape=tuple(manifest.input_shape),
        params={k: _decode(v) for k, v in manifest.params.items()},
    )
    module = build_module(graph, seed=0)  # seeded: filling it must not consume the global RNG
    try:
        tensors = load_file(str(directory / WEIGHTS))
    except (OSError, SafetensorError) as exc:
        raise WeightsError(f"{directory / WEIGHTS}: cannot read weights: {exc}") from None
    _check_tensors(directory, tensors, module.state_dict())
    dtypes = {t.dtype for t in tensors.values() if t.is_floating_point()}
    if len(dtypes) == 1 and dtypes != {torch.get_default_dtype()}:
        module.to(dtypes.pop())  # a model saved after .half()/.to(bf16) comes back in that dtype
    module.load_state_dict(tensors, strict=True)
    return module


def _graph_of(module: Any):
    meta = module.meta.get("resgraph") if isinstance(module, fx.GraphModule) else None
    if meta is None:
        raise UsageError("save_model expects a module compiled by resgraph (resgraph.compile)")
    if meta["opt_level"] != 0:
        raise UsageError(
            f"this module is optimized (opt level {meta['opt_level']}); its weights no longer match the spec",
            hint="save the opt level 0 module and call resgraph.optimize after loading",
        )
    return meta["graph"]


def _read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not path.is_file():
        raise UsageError(
            f"no saved model at {directory}: {MANIFEST} is missing",
            hint="save one with resgraph.save_model(module, dir) or `resgraph compile SPEC --save DIR`",
        )
    try:
        manifest = Manifest.model_validate_json(path.read_text())
    except ValidationError as exc:
        raise WeightsError(f"{path} is damaged: {exc.errors()[0]['msg']}") from None
    if manifest.format != FORMAT or manifest.version > VERSION:
        raise WeightsError(
            f"{path}: format {manifest.format!r} version {manifest.version} is not one this "
            f"resgraph reads ({FORMAT!r} up to version {VERSION})",
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
        f"{directory / WEIGHTS} does not match its spec:\n" + "\n".join(parts),
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
