"""Model options (`option name = value`): which names and values a spec may set.

Kept as data at the IR's floor so that the checker (ir/verify.py) refuses what the back end would
refuse, without importing the back end: backend/init.py defines one scheme per name here. Options
that name layers (`head`, `classifier`, `features`) are checked here for their type only; whether
the layers exist and can play that part is the graph's business (ir/model_parts.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..errors import NameError_, ResgraphError, TypeError_, did_you_mean

INIT_SCHEMES = ("kaiming_fan_out", "kaiming_fan_in", "torch")  # backend/init.py: SCHEMES
DEFAULT_INIT = "kaiming_fan_out"  # the ResNet convention: He init suits ReLU networks of any depth
# the resize filters timm's transforms know by name (timm.data.transforms.str_to_interp_mode)
INTERPOLATIONS = ("bilinear", "bicubic", "nearest", "box", "hamming", "lanczos")


class Problem(NamedTuple):
    """What is wrong with an option: (message, hint), and the error kind to raise it as."""

    message: str
    hint: str
    kind: type[ResgraphError] = NameError_


Check = Callable[[str, str, Any], Problem | None]  # (model, option, value) → problem


def _choice(what: str, known: tuple[str, ...]) -> Check:
    def check(model: str, name: str, value: Any) -> Problem | None:
        if isinstance(value, str) and value in known:
            return None
        hint = did_you_mean(value, known) if isinstance(value, str) else None
        listed = ", ".join(f'"{v}"' for v in known)
        return Problem(f"model '{model}': unknown {what} {value!r} in `option {name}`",
                       f"{hint + ' ' if hint else ''}known {what}s: {listed}")
    return check


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _per_channel(positive: bool) -> Check:
    def check(model: str, name: str, value: Any) -> Problem | None:
        if (isinstance(value, (list, tuple)) and value and all(_number(v) for v in value)
                and (not positive or all(v > 0 for v in value))):
            return None
        what, example = ("positive numbers", "[0.229, 0.224, 0.225]") if positive else ("numbers", "[0.485, 0.456, 0.406]")
        return Problem(f"model '{model}': `option {name}` must be a list of {what}, one per input channel, "
                       f"got {value!r}", f"for example option {name} = {example}", TypeError_)
    return check


def _fraction(model: str, name: str, value: Any) -> Problem | None:
    if _number(value) and 0 < value <= 1:
        return None
    return Problem(f"model '{model}': `option {name}` must be a number in (0, 1], got {value!r}",
                   f"the share of the resized image the center crop keeps, e.g. option {name} = 0.875",
                   TypeError_)


def _layer(model: str, name: str, value: Any) -> Problem | None:
    if isinstance(value, str) and value:
        return None
    return Problem(f"model '{model}': `option {name}` names a layer or block, as a string; got {value!r}",
                   f'for example option {name} = "fc"', TypeError_)


def _layers(model: str, name: str, value: Any) -> Problem | None:
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v for v in value):
        return None
    return Problem(f"model '{model}': `option {name}` is a list of layer or block names, got {value!r}",
                   f'for example option {name} = ["relu", "layer1", "layer2", "layer3", "layer4"]', TypeError_)


OPTIONS: dict[str, Check] = {  # name → its value check (what each sets: docs/python-api.md, docs/language.md)
    "init": _choice("init scheme", INIT_SCHEMES),
    "mean": _per_channel(positive=False),  # the per-channel mean inputs are normalized with
    "std": _per_channel(positive=True),  # and their standard deviation
    "interpolation": _choice("interpolation", INTERPOLATIONS),  # the evaluation transform's resize filter
    "crop_pct": _fraction,  # the share of the resized image the center crop keeps
    "head": _layer,  # the layer (or block) the classifier head begins at
    "classifier": _layer,  # the layer reset_classifier replaces
    "features": _layers,  # the feature stages feature_info lists
}
GRAPH_OPTIONS = frozenset({"head", "classifier", "features", "mean", "std"})  # checked against the graph too


def option_problem(model: str, name: str, value: Any) -> Problem | None:
    """What is wrong with `option name = value` for model `model`; None when the back end takes it."""
    if name not in OPTIONS:
        hint = did_you_mean(name, OPTIONS)
        return Problem(f"model '{model}': unknown option '{name}'",
                       f"{hint + ' ' if hint else ''}known options: {', '.join(OPTIONS)}")
    return OPTIONS[name](model, name, value)
