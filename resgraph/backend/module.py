"""The class of every module resgraph compiles: a GraphModule that also speaks timm's model API
(`model_api.ModelApi`) and shows itself in a notebook (`display.NotebookDisplay`).

fx gives each GraphModule instance its own subclass of the class it is built as, so the mixins'
methods survive every recompile; the optimizer rebuilds its result as this class too.
"""

from __future__ import annotations

from torch import fx

from .display import NotebookDisplay
from .model_api import ModelApi


class ResgraphModule(ModelApi, NotebookDisplay, fx.GraphModule):
    """A compiled resgraph model: `meta["resgraph"]` holds the Graph it came from and its opt level."""


__all__ = ["ResgraphModule"]
