"""Elementwise activations: shape-preserving, parameter-free, lowered to functions."""

from __future__ import annotations

from pydantic import Field

from .base import Attrs, NoAttrs, OpDef
from .registry import register


class Activation(OpDef):
    attrs = NoAttrs
    pointwise = True
    function_name: str  # attribute of torch / torch.nn.functional

    def saves(self, a, inputs, out):
        return ("input",)  # most activations' backward reads the input (relu6, gelu, silu, ...)

    def emit(self, b, a, inputs, types, out):
        import torch
        import torch.nn.functional as F

        fn = getattr(torch, self.function_name, None) or getattr(F, self.function_name)
        return b.function(fn, inputs[0], **a.model_dump())


@register
class ReLU(Activation):
    name = "relu"
    examples = ("relu", "relu()", "flatten -> relu")
    function_name = "relu"
    summary = "max(x, 0)"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


@register
class ReLU6(Activation):
    name = "relu6"
    examples = ("relu6", "flatten -> relu6")
    function_name = "relu6"
    summary = "min(max(x, 0), 6)"


@register
class GELU(Activation):
    name = "gelu"
    examples = ("gelu", "flatten -> gelu")
    function_name = "gelu"
    summary = "Gaussian error linear unit"


@register
class SiLU(Activation):
    name = "silu"
    examples = ("silu", "swish", "flatten -> silu")
    aliases = ("swish",)
    function_name = "silu"
    summary = "x * sigmoid(x)"


@register
class Sigmoid(Activation):
    name = "sigmoid"
    examples = ("sigmoid", "flatten -> sigmoid")
    function_name = "sigmoid"
    summary = "1 / (1 + exp(-x))"

    def saves(self, a, inputs, out):
        return ("output",)  # the derivative is computed from the output


@register
class Tanh(Activation):
    name = "tanh"
    examples = ("tanh", "flatten -> tanh")
    function_name = "tanh"
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
    summary = "max(x, 0) + negative_slope * min(x, 0)"

    def emit(self, b, a, inputs, types, out):
        import torch.nn.functional as F

        return b.function(F.leaky_relu, inputs[0], a.negative_slope)
