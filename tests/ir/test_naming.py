"""Names the compiled module cannot hold are refused by `check`, with the same rule `compile` uses."""

import json
import keyword
import subprocess
import sys

import pytest
import torch

import resgraph
from resgraph.backend.fx import build_module
from resgraph.errors import CompileError, NameError_
from resgraph.ir import Graph, ops
from resgraph.ir.naming import GRAPH_MODULE_ATTRIBUTES, KEYWORDS, MODULE_ATTRIBUTES, name_problem
from resgraph.builder import Builder

BLOCK = "block b(c: int) {\n  out = in -> conv(c, 3) -> relu\n}\n"


def spec(body: str) -> str:
    return f"{BLOCK}model m {{\n  input x[3, 8, 8]\n{body}\n}}\n"


def test_reserved_sets_hold_every_name_the_installed_torch_reserves():
    """The sets are data (check imports no torch); a torch that adds a module attribute fails here.

    Read in a fresh interpreter: torch.export and dynamo patch markers onto nn.Module at run time.
    """
    code = ("import json; from torch import fx, nn; print(json.dumps([dir(nn.Module()), "
            "dir(fx.GraphModule(nn.Module(), fx.Graph()))]))")
    module, graph_module = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                                     text=True, check=True).stdout)
    assert set(module) <= MODULE_ATTRIBUTES
    assert set(graph_module) <= GRAPH_MODULE_ATTRIBUTES
    assert KEYWORDS == set(keyword.kwlist)


@pytest.mark.parametrize("name", ["type", "class", "__init__", "forward", "training", "state_dict", "graph",
                                  "None"])
def test_check_refuses_a_layer_named_like_a_module_attribute_or_keyword(name):
    text = spec(f"  {name} = x -> conv(4, 3)\n  out = {name} -> relu")
    with pytest.raises(NameError_) as exc:
        resgraph.loads(text, path="n.rg")
    (d,) = exc.value.diagnostics
    assert f"the name '{name}' is a" in d.message and d.hint == f"rename '{name}' (e.g. '{name}_')"
    assert (d.span.source.path, d.span.line) == ("n.rg", 6)


def test_check_refuses_an_input_named_like_a_keyword():
    """An input becomes a parameter of `forward`: `def forward(self, class)` is a SyntaxError in compile."""
    with pytest.raises(NameError_, match="the name 'class' is a Python keyword") as exc:
        resgraph.loads("model m {\n  input class[3, 8, 8]\n  out = class -> relu\n}\n")
    assert exc.value.diagnostics[0].span.line == 2


def test_a_bad_scope_name_is_reported_once_at_the_instance():
    with pytest.raises(NameError_) as exc:
        resgraph.loads(spec("  out = x -> train: b(4) -> layer1: [b(4) -> forward: b(4)] -> relu"))
    messages = [(d.message, d.span.col) for d in exc.value.diagnostics]
    assert messages == [("the name 'train' is a reserved attribute of torch modules", 21),
                        ("the name 'forward' in 'layer1.forward' is a reserved attribute of torch modules", 55)]


def test_graph_module_names_are_free_below_the_top_level():
    """`graph` is an attribute of the GraphModule, not of its submodules: `l2.graph` compiles."""
    g = resgraph.loads(spec("  out = x -> l2: [graph: b(4)] -> relu"))
    assert name_problem("l2.graph.conv") is None and name_problem("graph") is not None
    assert resgraph.compile(g)(torch.randn(1, 3, 8, 8)).shape == (1, 4, 8, 8)


def test_builder_graphs_are_checked_by_the_same_rule():
    b = Builder("clash")
    y = b.input(3, 8, 8).conv(4, 3, name="layer1.state_dict")
    with pytest.raises(NameError_, match="'state_dict' in 'layer1.state_dict' is a reserved") as exc:
        b.build(y)
    assert exc.value.diagnostics[0].span.source.path == __file__


def test_compile_refuses_reserved_names_in_a_graph_that_skipped_check():
    """A graph inferred node by node reaches build_module unchecked: a located error, not a traceback."""
    for name, where in [("training", "conv"), ("class", "input")]:
        g = Graph("raw")
        g.add_node("x" if where == "conv" else name, "input", ops.get("input").bind([], {"shape": (3, 8, 8)}))
        src = g.inputs[0]
        g.add_node(name if where == "conv" else "c", "conv", ops.get("conv").bind([4], {}), [src])
        g.set_output(list(g)[-1])
        for n in g.topo_order():
            g.infer(n)
        with pytest.raises(CompileError, match=f"the name '{name}' is a"):
            build_module(g)
