"""Elementwise activations: shape-preserving, parameter-free, lowered to torch.nn's modules.

A module rather than a function because tools that walk a model's children in order (torchvision's
IntermediateLayerGetter, FPN backbones) skip a function call: the stem's ReLU would go missing.
"""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, NoAttrs, OpDef
from .registry import register


class Activation(OpDef):
    attrs = NoAttrs
    pointwise = True
    module_name: str  # the torch.nn class, built from the op's attributes

    def saves(self, a, inputs, out):
        return ("input",)  # most activations' backward reads the input (relu6, gelu, silu, ...)

    def emit(self, b, a, inputs, types, out):
        from torch import nn

        return b.module(getattr(nn, self.module_name)(**a.model_dump()), inputs[0])


@register
class ReLU(Activation):
    name = "relu"
    examples = ("relu", "relu()", "flatten -> relu")
    module_name = "ReLU"
    summary = "max(x, 0)"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


@register
class ReLU6(Activation):
    name = "relu6"
    examples = ("relu6", "flatten -> relu6")
    module_name = "ReLU6"
    summary = "min(max(x, 0), 6)"


@register
class GELU(Activation):
    name = "gelu"
    examples = ("gelu", "flatten -> gelu")
    module_name = "GELU"
    summary = "Gaussian error linear unit"


@register
class SiLU(Activation):
    name = "silu"
    examples = ("silu", "swish", "flatten -> silu")
    aliases = ("swish",)
    module_name = "SiLU"
    summary = "x * sigmoid(x)"


@register
class Sigmoid(Activation):
    name = "sigmoid"
    examples = ("sigmoid", "flatten -> sigmoid")
    module_name = "Sigmoid"
    summary = "1 / (1 + exp(-x))"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


@register
class Tanh(Activation):
    name = "tanh"
    examples = ("tanh", "flatten -> tanh")
    module_name = "Tanh"
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
    module_name = "LeakyReLU"
    summary = "max(x, 0) + negative_slope * min(x, 0)"
