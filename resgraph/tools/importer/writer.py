"""An imported model as .rg text: its blocks, innermost first, then the model, in the canonical
layout (`syntax.layout`, the one `resgraph fmt` writes)."""

from __future__ import annotations

from collections import Counter

from ...errors import UNKNOWN_SPAN
from .regions import class_key
from ...syntax import ast
from ...syntax.layout import Renderer
from .blocks import make_blocks
from .body import BodyWriter, Context
from .finish import shorten
from .layers import Layers
from .regions import region_tree

S = UNKNOWN_SPAN


def write(net: Layers, name: str, structure: bool = True) -> str:
    """The spec of `net`: with blocks, groups and repetitions recovered, or (`structure=False`)
    one flat model whose layers carry their full paths."""
    root = region_tree(net, flat=not structure)
    ctx = Context(module_uses=Counter(layer.module for layer in net.layers if layer.module))
    blocks = make_blocks(root, ctx, {name})
    shape = net.layers[0].attrs.shape
    body = [ast.Input("x", [ast.Literal(d, S) for d in shape], S), *BodyWriter(ctx, root, ["x"]).statements()]
    cls = type(net.root)
    doc = f"{class_key(cls) if '<locals>' not in cls.__qualname__ else cls.__name__}, imported by resgraph import."
    model = ast.ModelDef(name, [], body, doc, S)
    file = ast.File([b.definition for b in blocks] + [model], None, [], S)
    return Renderer().file(shorten(file, {b.name: b for b in blocks}))
