"""What the interactive viewer is given: units over every layer, the folding it starts in, the
panel's facts (cost, shapes, source lines), the dense blocks' matrices, the legend. The page's
behaviour in a real browser is tested in test_viewer_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from tests.tools.viz.test_fold import Net, tiny_densenet, tiny_resnet

import resgraph
from resgraph.tools import viz
from resgraph.tools.viz.matrix import connectivity
from resgraph.tools.viz.viewer_data import viewer_data, viewer_json

SPEC = '''
block basic(c: int, stride: int = 1) {
    f = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu
           -> conv2: conv(c, 3, bias=false) -> bn2: bn
    s = if stride != 1 or in.channels != c {
            in -> downsample: [conv(c, 1, stride, bias=false) -> bn]
        } else { in }
    out = add(f, s) -> relu
}

model net {
    input x[3, 32, 32]
    stem = x -> conv1: conv(16, 3, bias=false) -> bn1: bn -> relu
    body = stem -> layer1: basic(16) * 2 -> layer2: [basic(32, 2) -> basic(32) * 3]
    out = body -> adaptive_avgpool(1) -> flatten -> fc: linear(10)
}
'''


@pytest.fixture(scope="module")
def net():
    return resgraph.loads(SPEC, path="specs/net.rg")


def by_name(data) -> dict[str, dict]:
    return {u["n"]: u for u in data["units"] if "ch" in u}


def test_every_layer_is_in_exactly_one_leaf_and_units_come_parents_first(net):
    data = viewer_data(net)
    units = data["units"]
    leaves = [u for u in units if "ch" not in u]
    covered = [data["nodes"][u["a"] + i]["n"] for u in leaves for i in range(u["z"])]
    assert sorted(covered) == sorted(net.nx) and len(covered) == len(net)
    assert all(u["p"] < i for i, u in enumerate(units) if i > 0) and units[0]["k"] == "root"
    for i, u in enumerate(units):
        for c in u.get("ch", ()):
            assert units[c]["p"] == i
    assert set(net.scopes) <= set(by_name(data))  # every scope can be folded


def test_alike_instances_in_a_row_become_one_run(net):
    units = by_name(viewer_data(net, depth=1))
    run = units["layer2.1–3"]
    assert run["k"] == "run" and run["call"] == "basic(c=32, stride=1) × 3"
    assert [units_of(net, c) for c in run["ch"]] == ["layer2.1", "layer2.2", "layer2.3"]
    # layer1's two alike instances are the whole repetition: the repetition itself is the × 2 box
    assert units["layer1"]["call"] == "basic(c=16, stride=1) × 2"
    assert not any(n.startswith("layer1.0–") for n in units)


def units_of(graph, index) -> str:
    return viewer_data(graph, depth=1)["units"][index]["n"]


def test_the_first_picture_folds_as_depth_says(net):
    def open_paths(depth):
        data = viewer_data(net, depth=depth)
        return {data["units"][i]["n"] for i in data["open"]}

    assert open_paths(None) == set(by_name(viewer_data(net)))  # every unit open
    at1 = open_paths(1)
    # blocks folded, so are the repetition and the run made of them; groups are open (a group in a
    # folded block shows open when its block is unfolded)
    assert at1 == {"", "layer2", "layer2.0.downsample"}
    assert {"layer1.0", "layer1.0.downsample"} & open_paths(2) == {"layer1.0"}  # groups stay open
    auto = open_paths("auto")  # 41 layers fit: nothing folded
    assert auto == open_paths(None)


def test_auto_opens_the_first_instance_hiding_a_merge_and_keeps_it_out_of_runs():
    g = tiny_resnet(blocks=30)
    data = viewer_data(g, depth="auto")
    units = by_name(data)
    opened = {data["units"][i]["n"] for i in data["open"]}
    assert "layer1.0" in opened and "layer1" in opened
    assert "layer1.1–29" in units and "layer1.1–29" not in opened


def test_the_panel_facts_are_the_graphs(net):
    data = viewer_data(net)
    node = next(n for n in data["nodes"] if n["n"] == "layer2.0.conv1")
    assert node["o"] == "conv" and node["l"] == "conv 3x3/2, 32" and node["s"] == "32×16×16"
    cost = net.cost("layer2.0.conv1")
    assert (node["p"], node["m"]) == (cost.params, cost.macs)
    assert node["a"]["stride"] == "2" and node["a"]["bias"] == "false"
    assert [data["nodes"][i]["n"] for i in node["i"]] == ["layer1.1.out"]
    file, line, last, col, _ = node["src"]
    assert data["files"][file][0] == "specs/net.rg"  # as the user named it
    assert "conv1: conv(c, 3, stride, bias=false)" in data["files"][file][1][line - 1] and last == line
    assert col == net.span("layer2.0.conv1").col
    units = by_name(data)
    block = units["layer2.0"]
    members = [n for n in net if n.startswith("layer2.0.")]
    assert block["params"] == sum(net.cost(n).params for n in members)
    assert block["macs"] == sum(net.cost(n).macs for n in members)
    assert block["full"] == "basic(c=32, stride=2)" and block["s"] == "32×16×16"
    assert data["files"][block["src"][0]][1][block["src"][1] - 1].strip().startswith("body = stem")
    kind = {k["name"]: k for k in data["kinds"]}
    assert block["b"] == kind["add"]["color"]  # its border: the skip edges inside


def test_edges_join_leaves_with_the_registry_kinds(net):
    data = viewer_data(net)
    units, kinds = data["units"], [k["name"] for k in data["kinds"]]
    assert kinds[0] == "seq"  # weakest first: the page keeps the weakest of a pair's kinds
    drawn = {(units[a]["n"], units[b]["n"], kinds[k]) for a, b, k in data["edges"]}
    assert ("layer1.0.add … out", "layer1.1.add … out", "add") in drawn  # the identity skip
    assert ("layer1.1.add … out", "layer2.0.downsample.0 … 1", "seq") in drawn


def test_a_dense_block_has_its_matrix_one_click_away():
    g = tiny_densenet()
    data = viewer_data(g, depth=1)
    units = by_name(data)
    for path in ("features.denseblock1", "features.denseblock2"):
        m = data["matrices"][units[path]["mx"]]
        want = connectivity(g, path)
        kinds = [k["name"] for k in data["kinds"]]
        assert m["title"] == want.title and [tuple(r) for r in m["rows"]] == want.rows
        assert {(i, j): kinds[k] for i, j, k in m["cells"]} == want.cells
    assert "mx" not in units["features.transition1"]


def test_the_legend_lists_only_the_kinds_in_the_model_once():
    def legend(page):
        return page.split('<div id="legend">')[1].split("</div>")[0]

    dense, res = viz.to_html(tiny_densenet()), viz.to_html(tiny_resnet())
    assert "dense (concat)" in legend(dense) and "skip (add)" not in dense
    assert "skip (add)" in legend(res) and "dense (concat)" not in res
    assert dense.count("dense (concat)") == 2  # the legend, and the kind's entry in the data
    assert {k["name"] for k in viewer_data(tiny_densenet())["kinds"]} == {"seq", "concat"}


def test_the_page_is_deterministic_and_its_data_cannot_end_the_script():
    g = resgraph.loads('model m {\n    """a </script> in a docstring"""\n    input x[3, 8, 8]\n'
                       '    out = x -> conv(4, 3)\n}\n')
    page = viz.to_html(g, depth=None)
    assert page == viz.to_html(g, depth=None)
    data = re.search(r'<script type="application/json" id="rg-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data and json.loads(data)["doc"] == "a </script> in a docstring"
    assert json.loads(viewer_json(g, live={"url": "/version", "version": "7"}))["live"]["version"] == "7"


def test_shipped_specs_show_paths_relative_to_the_models_file():
    files = [f for f, _ in viewer_data(resgraph.load("densenet121"), depth=1)["files"]]
    assert files == ["densenet.rg", "densenet_blocks.rg"]  # the same page on every machine


def test_a_graph_built_in_python_has_no_source_lines():
    data = viewer_data(tiny_resnet())
    assert data["files"] == [] and all(n["src"] is None for n in data["nodes"])


def test_a_scope_with_an_unknown_size_has_unknown_macs():
    n = Net("open_size", shape=(3, None, None))
    n.block("b", "blk")
    n.op("b.conv", "conv", ["x"], 4, 3)
    g = n.done(n.op("b.relu", "relu", ["b.conv"]))
    unit = by_name(viewer_data(g))["b"]
    assert unit["macs"] is None and unit["params"] == g.cost("b.conv").params
