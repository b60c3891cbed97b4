"""What a zoo model's docstring says it is checked against, read once for `resgraph zoo` and the benchmark.

A zoo docstring opens with the model's name and, in parentheses, its paper and its reference:
"SE-ResNet-50 (Hu et al. 2018; timm seresnet50): ...". The reference is written in one of three
ways, each naming the library and the builder that makes the model:
`timm seresnet50`, `timm.create_model("dpn68")`, `torchvision.models.resnet50` (a dotted path
below `torchvision.models`, e.g. `torchvision.models.segmentation.fcn_resnet50`). Reading it
from the docstring keeps the spec the one place that says which library a model lives in.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_FORMS = (
    ("timm", re.compile(rf"\btimm\.create_model\(\s*[\"']({_NAME})[\"']")),
    ("timm", re.compile(rf"\btimm\s+({_NAME})\b")),
    ("torchvision", re.compile(rf"\btorchvision\.models\.({_NAME}(?:\.{_NAME})*)")),
)


class Reference(NamedTuple):
    library: str  # the package to import: "timm" or "torchvision"
    builder: str  # timm's model name, or the path of the builder below torchvision.models


def describe(doc: str | None) -> str:
    """What a zoo docstring says before its first colon: "ResNet-50 v1.5 (He et al. 2015; ...)"."""
    return " ".join((doc or "").split()).split(": ")[0]


def library_reference(doc: str | None) -> Reference | None:
    """The library model named in the docstring's opening, or None where it names none."""
    head = describe(doc)
    found = [(m.start(), library, m.group(1)) for library, form in _FORMS for m in form.finditer(head)]
    if not found:
        return None
    _, library, builder = min(found)
    return Reference(library, builder)
