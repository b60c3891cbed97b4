"""The eager reference of a zoo model: the library model its spec names, else the hand-written one.

Which library a model lives in is read from its spec's docstring (resgraph.zoo.reference), so a
new zoo model is benchmarked against its reference without an entry here. Where that library is
not installed, the hand-written eager model stands in if there is one (ResNets and DenseNets,
resgraph.bench.eager); otherwise the model is skipped with the command that installs it.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

import torch
from torch import nn

from ..errors import UsageError
from ..zoo.reference import Reference, library_reference
from . import eager

INSTALL = "pip install 'resgraph[reference]'"
HAND_WRITTEN = "hand-written (resgraph.bench.eager)"


def installed(library: str) -> bool:
    return importlib.util.find_spec(library) is not None


def have_torchvision() -> bool:
    return installed("torchvision")


@cache
def named(name: str) -> Reference | None:
    """The library model that zoo model `name`'s docstring names (None: it names none, or no such model)."""
    from .. import api, zoo

    return None if zoo.find_model(name) is None else library_reference(api.load(name).doc)


def check(models: list[str]) -> None:
    """Every model has a reference somewhere: usage errors, found before any timing.

    A reference library that is merely not installed is no error here: that model is skipped.
    """
    none = [m for m in models if m not in eager.names() and named(m) is None]
    if none:
        raise UsageError(
            f"no eager reference for {', '.join(none)}",
            hint=f"models: {', '.join(eager.names())} (hand-written), and every zoo model whose "
                 "docstring names its timm or torchvision model (`resgraph zoo` shows the reference)")


def unavailable(name: str) -> str | None:
    """Why `name` cannot be benchmarked here (its reference library is missing), or None."""
    ref = named(name)
    if ref is None or installed(ref.library) or name in eager.names():
        return None
    return f"{name}: {ref.library} is not installed: {INSTALL}"


def source(name: str) -> str:
    """The reference `name` is measured against, with the library's version."""
    ref = named(name)
    if ref is None or not installed(ref.library):
        return HAND_WRITTEN
    version = importlib.import_module(ref.library).__version__
    return f"{ref.library} {version} {ref.builder}"


def reference(name: str, memory_efficient: bool = False) -> nn.Module:
    """The eager model `name`, randomly initialised; memory_efficient=True is torchvision's
    checkpointed DenseNet, built from the hand-written DenseNet's configuration."""
    if memory_efficient:
        if not has_memory_efficient_reference(name):
            raise UsageError(f"{name} has no memory-efficient eager reference", hint="it needs torchvision")
        from torchvision.models import DenseNet

        growth, blocks, init = eager.DENSENETS[name]
        return DenseNet(growth, blocks, init, memory_efficient=True)
    why = unavailable(name)
    if why:
        raise UsageError(why)
    ref = named(name)
    if ref is None or not installed(ref.library):
        return eager.build(name)
    if ref.library == "timm":
        import timm

        return timm.create_model(ref.builder, pretrained=False)
    builder = importlib.import_module("torchvision.models")
    for part in ref.builder.split("."):
        builder = getattr(builder, part)
    return builder()


def has_memory_efficient_reference(name: str) -> bool:
    return name in eager.DENSENETS and have_torchvision()


def ours(name: str, weights: dict[str, torch.Tensor]):
    """resgraph's level-0 module for `name` holding the reference's weights (loaded strictly)."""
    import resgraph

    module = resgraph.compile(name, seed=0)
    module.load_state_dict(weights)
    return module
