"""Elementwise activations: shape-preserving, parameter-free, lowered to torch.nn's modules.

A module rather than a function because tools that walk a model's children in order (torchvision's
IntermediateLayerGetter, FPN backbones) skip a function call: the stem's ReLU would go missing.
"""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, NoAttrs, OpDef
from .imports import NotImportable, TorchCall, single
from .registry import register


class Activation(OpDef):
    attrs = NoAttrs
    pointwise = True
    function_name: str  # attribute of torch / torch.nn.functional, for `resgraph import`
    module_class: str | None = None  # its torch.nn module ("ReLU"): what it lowers to and import reads

    def saves(self, a, inputs, out):
        return ("input",)  # most activations' backward reads the input (relu6, gelu, silu, ...)

    def emit(self, b, a, inputs, types, out):
        import torch
        import torch.nn.functional as F
        from torch import nn

        if self.module_class is None:  # a plugin's activation with no torch.nn class: the function
            fn = getattr(torch, self.function_name, None) or getattr(F, self.function_name)
            return b.function(fn, inputs[0], **a.model_dump())
        return b.module(getattr(nn, self.module_class)(**a.model_dump()), inputs[0])

    def imports(self):
        """The module, and the function under each name torch gives it (torch.relu, F.relu,
        x.relu(), their in-place forms)."""
        import torch
        import torch.nn.functional as F
        from torch import nn

        name = self.function_name
        keys = [getattr(nn, self.module_class)] if self.module_class else []
        for home in (torch, F, torch.Tensor):
            keys += [f for f in (getattr(home, name, None), getattr(home, name + "_", None)) if f is not None]
        return dict.fromkeys(keys, self.read)

    def read(self, call: TorchCall) -> dict | None:
        """The attributes of one call (none: an activation of its one input)."""
        return {} if single(call) is not None else None


@register
class ReLU(Activation):
    name = "relu"
    examples = ("relu", "relu()", "flatten -> relu")
    function_name = "relu"
    module_class = "ReLU"
    summary = "max(x, 0)"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


@register
class ReLU6(Activation):
    name = "relu6"
    examples = ("relu6", "flatten -> relu6")
    function_name = "relu6"
    module_class = "ReLU6"
    summary = "min(max(x, 0), 6)"


@register
class GELU(Activation):
    name = "gelu"
    examples = ("gelu", "flatten -> gelu")
    function_name = "gelu"
    module_class = "GELU"
    summary = "Gaussian error linear unit"

    def read(self, call: TorchCall) -> dict | None:
        approximate = getattr(call.target, "approximate", None) or call.kwargs.get("approximate", "none")
        if approximate != "none":
            raise NotImportable(f"approximate={approximate!r} (gelu is the exact form)")
        return super().read(call)


@register
class SiLU(Activation):
    name = "silu"
    examples = ("silu", "swish", "flatten -> silu")
    aliases = ("swish",)
    function_name = "silu"
    module_class = "SiLU"
    summary = "x * sigmoid(x)"


@register
class Sigmoid(Activation):
    name = "sigmoid"
    examples = ("sigmoid", "flatten -> sigmoid")
    function_name = "sigmoid"
    module_class = "Sigmoid"
    summary = "1 / (1 + exp(-x))"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


@register
class Tanh(Activation):
    name = "tanh"
    examples = ("tanh", "flatten -> tanh")
    function_name = "tanh"
    module_class = "Tanh"
    summary = "hyperbolic tangent"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


class LeakyAttrs(Attrs):
    negative_slope: float = Field(default=0.01, ge=0)


@register
class LeakyReLU(Activation):
    name = "leaky_relu"
    examples = (
        "leaky_relu",
        "leaky_relu(0.2)",
        "leaky_relu(negative_slope=0)",
        "flatten -> leaky_relu(0.1)",
    )
    attrs = LeakyAttrs
    function_name = "leaky_relu"
    module_class = "LeakyReLU"
    summary = "max(x, 0) + negative_slope * min(x, 0)"

    def read(self, call: TorchCall) -> dict | None:
        if single(call) is None:
            return None
        slope = getattr(call.target, "negative_slope", None)
        return {"negative_slope": float(call.arg(1, "negative_slope", 0.01) if slope is None else slope)}

