"""Numbers as people read them: SI prefixes for counts, binary units for bytes (tables and notebooks)."""

from __future__ import annotations


def si(value: float | None, unit: str = "") -> str:
    """3 significant figures with a k/M/G/T prefix: 4089184256 → '4.09 G'."""
    if value is None:
        return "?"
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:g} {unit}".rstrip() if isinstance(value, float) else f"{value} {unit}".rstrip()


def mib(value: int | None) -> str:
    """Bytes in binary units: 1024 → '1.0 KiB'."""
    if value is None:
        return "?"
    for factor, unit in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= factor:
            return f"{value / factor:.1f} {unit}"
    return f"{value} B"
