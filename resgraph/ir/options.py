"""Model options (`option name = value`): which names and values a spec may set.

Kept as data at the IR's floor so that the checker (ir/verify.py) refuses what the back end would
refuse, without importing the back end: backend/init.py defines one scheme per name here.
"""

from __future__ import annotations

from typing import Any

from ..errors import did_you_mean

INIT_SCHEMES = ("kaiming_fan_out", "kaiming_fan_in", "torch")  # backend/init.py: SCHEMES
DEFAULT_INIT = "kaiming_fan_out"  # the ResNet convention: He init suits ReLU networks of any depth
OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {"init": ("init scheme", INIT_SCHEMES)}  # name → what, values


def option_problem(model: str, name: str, value: Any) -> tuple[str, str] | None:
    """(message, hint) when `option name = value` is not one the back end knows; None when it is."""
    if name not in OPTIONS:
        hint = did_you_mean(name, OPTIONS)
        return (f"model '{model}': unknown option '{name}'",
                f"{hint + ' ' if hint else ''}known options: {', '.join(OPTIONS)}")
    what, known = OPTIONS[name]
    if isinstance(value, str) and value in known:
        return None
    hint = did_you_mean(value, known) if isinstance(value, str) else None
    listed = ", ".join(f'"{v}"' for v in known)
    return (f"model '{model}': unknown {what} {value!r} in `option {name}`",
            f"{hint + ' ' if hint else ''}known {what}s: {listed}")
