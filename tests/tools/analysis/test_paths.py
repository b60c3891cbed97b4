"""Path statistics by dynamic programming against hand counts and networkx's path enumeration."""

from collections import Counter

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tools.analysis.nets import plain_chain, tiny_densenet, tiny_resnet

from resgraph.ir import Graph, ops
from resgraph.ir.verify import check
from resgraph.tools.analysis import path_stats


def test_tiny_resnet_has_two_paths():
    p = path_stats(tiny_resnet())
    # stem conv, then either the skip or both block convs, then fc
    assert p.distribution == {2: 1, 4: 1}
    assert (p.add_edges, p.concat_edges, p.merges, p.mean_fan_in) == (2, 0, 1, 2.0)
    assert p.to_output == {"conv1": 1, "layer1.0.conv1": 2, "layer1.0.conv2": 1, "fc": 0}
    assert p.depth == {"conv1": 1, "layer1.0.conv1": 2, "layer1.0.conv2": 3, "fc": 4}


def test_tiny_densenet_paths_by_hand():
    p = path_stats(tiny_densenet())
    # conv0 → out directly; via layer1; via layer2; via layer1 then layer2 — then fc
    assert p.distribution == {2: 1, 3: 2, 4: 1}
    assert p.paths == 4 and p.mean_length == 3.0 and p.mode_length == 3
    assert (p.add_edges, p.concat_edges) == (0, 2 + 3)
    assert p.mean_fan_in == 2.5
    assert p.max_to_output == 1  # every layer feeds the final concat


def test_plain_chain_has_one_path_and_long_gradient_route():
    p = path_stats(plain_chain(6))
    assert p.distribution == {6: 1}
    assert p.to_output["conv0"] == 5 and p.max_to_output == 5
    assert p.merges == 0 and p.mean_fan_in == 0.0


@st.composite
def random_dags(draw):
    """Random DAGs of 1x1 convs (weighted) and identities on 4x4 maps, merged by concat."""
    g = Graph("random")
    names = [g.add_node("x", "input", ops.get("input").bind([(2, 4, 4)], {}))]
    for i in range(draw(st.integers(1, 9))):
        operands = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        src = operands[0] if len(operands) == 1 else g.add_node(f"cat{i}", "concat", None, operands)
        if draw(st.booleans()):
            names.append(g.add_node(f"conv{i}", "conv", ops.get("conv").bind([2, 1], {}), [src]))
        else:
            names.append(g.add_node(f"id{i}", "identity", None, [src]))
    dead = [n for n in names if g.nx.out_degree(n) == 0 and n != names[-1]]
    out = g.add_node("out", "concat", None, [*dead, names[-1]])
    g.set_output(out)
    check(g)
    return g


@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_distribution_equals_enumerated_paths(g):
    weighted = {n for n in g if g.opdef(n).weighted}
    lengths = Counter(sum(n in weighted for n in path) for path in nx.all_simple_paths(g.nx, "x", "out"))
    p = path_stats(g)
    assert p.distribution == dict(lengths)
    for layer, hops in p.to_output.items():
        routes = nx.all_simple_paths(g.nx, layer, "out")
        assert hops == min(sum(n in weighted for n in path[1:]) for path in routes)
