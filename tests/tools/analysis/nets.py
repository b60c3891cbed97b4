"""Tiny networks built directly in the IR, small enough to count by hand (helpers, no tests)."""

from resgraph.ir import Graph, Scope, ops
from resgraph.ir.verify import check


def _node(g: Graph, name: str, op: str, inputs: list[str], *args, **kwargs) -> str:
    return g.add_node(name, op, ops.get(op).bind(list(args), kwargs), inputs)


def tiny_resnet() -> Graph:
    """conv 3→4 on 8x8, one basic residual block (identity skip), global pool, fc 4→10."""
    g = Graph("tiny_resnet")
    _node(g, "x", "input", [], (3, 8, 8))
    _node(g, "conv1", "conv", ["x"], 4, 3, bias=False)
    _node(g, "bn1", "bn", ["conv1"])
    _node(g, "relu", "relu", ["bn1"])
    g.scopes["layer1"] = Scope("layer1", "repeat")
    g.scopes["layer1.0"] = Scope("layer1.0", "block", "basic")
    p = "layer1.0."
    _node(g, p + "conv1", "conv", ["relu"], 4, 3, bias=False)
    _node(g, p + "bn1", "bn", [p + "conv1"])
    _node(g, p + "relu", "relu", [p + "bn1"])
    _node(g, p + "conv2", "conv", [p + "relu"], 4, 3, bias=False)
    _node(g, p + "bn2", "bn", [p + "conv2"])
    _node(g, p + "add", "add", [p + "bn2", "relu"])
    _node(g, p + "relu_1", "relu", [p + "add"])
    _node(g, "pool", "adaptive_avgpool", [p + "relu_1"], 1)
    _node(g, "flatten", "flatten", ["pool"])
    _node(g, "fc", "linear", ["flatten"], 10)
    g.set_output("fc")
    check(g)
    return g


def tiny_densenet() -> Graph:
    """conv 3→4 on 8x8, a dense block of two layers (growth 2), bn-relu, global pool, fc 8→3."""
    g = Graph("tiny_densenet")
    _node(g, "x", "input", [], (3, 8, 8))
    _node(g, "conv0", "conv", ["x"], 4, 3, bias=False)
    g.scopes["block"] = Scope("block", "block", "dense_block")
    prev = ["conv0"]
    for i in (1, 2):
        p = f"block.layer{i}."
        g.scopes[p[:-1]] = Scope(p[:-1], "block", "dense_layer")
        src = prev[0] if len(prev) == 1 else _node(g, f"block.cat{i}", "concat", list(prev))
        _node(g, p + "bn", "bn", [src])
        _node(g, p + "relu", "relu", [p + "bn"])
        prev.append(_node(g, p + "conv", "conv", [p + "relu"], 2, 3, bias=False))
    _node(g, "block.out", "concat", prev)
    _node(g, "bn", "bn", ["block.out"])
    _node(g, "relu", "relu", ["bn"])
    _node(g, "pool", "adaptive_avgpool", ["relu"], 1)
    _node(g, "flatten", "flatten", ["pool"])
    _node(g, "fc", "linear", ["flatten"], 3)
    g.set_output("fc")
    check(g)
    return g


def plain_chain(n: int) -> Graph:
    """n 3x3 convolutions in a row on a 4x4 map, no skip edges: exactly one path."""
    g = Graph(f"plain{n}")
    prev = _node(g, "x", "input", [], (2, 4, 4))
    for i in range(n):
        prev = _node(g, f"conv{i}", "conv", [prev], 2, 3)
    g.set_output(prev)
    check(g)
    return g
