"""The data a model expects (input size, normalization, evaluation resize and crop), as timm reads it.

`timm.data.resolve_model_data_config(model)` reads these keys from `model.pretrained_cfg`. They come
from the model's input declaration and its options (`option mean`, `std`, `interpolation`,
`crop_pct`); without them, torchvision's ImageNet recipe, which the zoo's models are trained with:
ImageNet's channel statistics, a bilinear resize to 256 and a 224 center crop (0.875).
"""

from __future__ import annotations

from typing import Any

from .graph import Graph

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DEFAULT_INTERPOLATION = "bilinear"
DEFAULT_CROP_PCT = 0.875  # 224 / 256
DEFAULT_SIZE = 224  # a size the input leaves open (`input x[3, _, _]`)


def input_channels(graph: Graph) -> int:
    return graph.attrs(graph.inputs[0]).shape[0]


def data_config(graph: Graph) -> dict[str, Any]:
    """input_size, mean, std, interpolation and crop_pct of a checked graph (its first input)."""
    shape = graph.attrs(graph.inputs[0]).shape
    c = shape[0]
    mean, std = (IMAGENET_MEAN, IMAGENET_STD) if c == 3 else ((0.5,) * c, (0.5,) * c)
    opts = graph.options
    return {
        "input_size": (c, *(DEFAULT_SIZE if s is None else s for s in shape[1:])),
        "mean": tuple(opts.get("mean", mean)),
        "std": tuple(opts.get("std", std)),
        "interpolation": opts.get("interpolation", DEFAULT_INTERPOLATION),
        "crop_pct": opts.get("crop_pct", DEFAULT_CROP_PCT),
    }


def option_problems(graph: Graph) -> list[tuple[str, str, str]]:
    """(option, message, hint) for a mean or std whose length is not the input's channel count."""
    if not graph.inputs:
        return []
    c = input_channels(graph)
    problems = []
    for name in ("mean", "std"):
        value = graph.options.get(name)
        if isinstance(value, (list, tuple)) and len(value) != c:
            problems.append((name, f"model '{graph.name}': `option {name}` has {len(value)} values, and the input "
                             f"has {c} channels", f"give one value per input channel ({c})"))
    return problems


__all__ = ["DEFAULT_CROP_PCT", "DEFAULT_INTERPOLATION", "IMAGENET_MEAN", "IMAGENET_STD", "data_config",
           "input_channels", "option_problems"]
