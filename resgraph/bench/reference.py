"""The eager reference of a zoo model: torchvision's where installed, else the hand-written one."""

from __future__ import annotations

import torch
from torch import nn

from . import eager

TORCHVISION_EXTRA = {"densenet264": dict(growth_rate=32, block_config=(6, 12, 64, 48), num_init_features=64)}


def have_torchvision() -> bool:
    try:
        import torchvision  # noqa: F401
    except ImportError:
        return False
    return True


def source() -> str:
    return "torchvision" if have_torchvision() else "hand-written (resgraph.bench.eager)"


def reference(name: str, memory_efficient: bool = False) -> nn.Module:
    """The eager model `name`; memory_efficient=True is torchvision's checkpointed DenseNet."""
    if have_torchvision():
        from torchvision import models

        extra = {"memory_efficient": True} if memory_efficient else {}
        if name in TORCHVISION_EXTRA:
            return models.DenseNet(**TORCHVISION_EXTRA[name], **extra)
        if hasattr(models, name):
            return getattr(models, name)(**extra)
    if memory_efficient:
        raise KeyError("the memory-efficient eager DenseNet needs torchvision")
    return eager.build(name)


def has_memory_efficient_reference(name: str) -> bool:
    return name.startswith("densenet") and have_torchvision()


def ours(name: str, weights: dict[str, torch.Tensor]):
    """resgraph's level-0 module for `name` holding the reference's weights."""
    import resgraph

    module = resgraph.compile(name, seed=0)
    module.load_state_dict(weights)
    return module
