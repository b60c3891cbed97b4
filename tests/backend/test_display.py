"""A compiled module in a notebook: a picture and a short table, and a summary as a table, checked
by executing a real notebook (nbclient, a kernel running this interpreter)."""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
import resgraph
from resgraph.tools import viz

needs_dot = pytest.mark.skipif(viz.find_dot() is None, reason="Graphviz is not installed")
ROOT = Path(resgraph.__file__).resolve().parent.parent


def test_table_names_params_level_and_shapes():
    m = resgraph.compile("cifar_resnet20", depth=8, seed=0)
    html = m._repr_html_()
    params = f"{sum(p.numel() for p in m.parameters()):,}"
    for text in ("cifar_resnet20", params, "opt level", "input x", "[N, 3, 32, 32]", "output fc", "[N, 10]"):
        assert text in html
    o = resgraph.optimize(m)
    assert "opt level</th><td" in o._repr_html_() and ">1</td>" in o._repr_html_()
    graph_params = m.meta["resgraph"]["graph"].param_count()
    assert f"{graph_params:,} (as compiled, before folding)" in o._repr_html_()


def test_frozen_parameters_are_counted_apart():
    m = resgraph.compile("cifar_resnet20", depth=8, seed=0)
    m.conv1.weight.requires_grad_(False)
    trainable = sum(p.numel() for p in m.parameters() if p.requires_grad)
    assert f"({trainable:,} trainable)" in m._repr_html_()


@needs_dot
def test_picture_is_the_graphs_and_embeds_in_html():
    m = resgraph.compile("cifar_resnet20", depth=8, seed=0)
    svg = m._repr_svg_()
    assert svg == m.meta["resgraph"]["graph"]._repr_svg_() and "<svg" in svg
    html = m._repr_html_()
    assert "<svg" in html and "<?xml" not in html and "<!DOCTYPE" not in html


def test_without_a_drawing_the_table_stays_and_says_why(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # Graphviz unfindable
    m = resgraph.compile("cifar_resnet20", depth=8, seed=0)
    assert m._repr_svg_() is None
    html = m._repr_html_()
    assert "[N, 3, 32, 32]" in html and "<svg" not in html and "graphviz" in html.lower()


def test_a_graphmodule_without_a_resgraph_graph_falls_back_to_text():
    m = resgraph.compile("cifar_resnet20", depth=8, seed=0)
    bare = type(m)(m, m.graph)  # the same class, rebuilt by another tool: no meta
    assert bare._repr_svg_() is None and bare._repr_html_() is None


NOTEBOOK_CELLS = [
    "import resgraph\nfrom resgraph.tools.analysis import summarize\n"
    "m = resgraph.compile('cifar_resnet20', depth=8, seed=0)",
    "m",
    "summarize(m.meta['resgraph']['graph'], depth=2)",
]


def _kernel_spec(tmp_path: Path) -> Path:
    """A kernelspec running this interpreter, importing the resgraph under test: whatever kernels
    the machine has (or lacks), the notebook runs where pytest does."""
    folder = tmp_path / "kernels" / "resgraph-test"
    folder.mkdir(parents=True)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "resgraph test",
        "language": "python",
        "env": {"PYTHONPATH": path},
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return tmp_path / "kernels"


def test_notebook_shows_module_and_summary_as_picture_and_table(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    specs = KernelSpecManager(kernel_dirs=[str(_kernel_spec(tmp_path))])
    km = AsyncKernelManager(kernel_name="resgraph-test", kernel_spec_manager=specs)
    client = nbclient.NotebookClient(nb, km=km, timeout=120, startup_timeout=60,
                                     resources={"metadata": {"path": str(tmp_path)}})
    with ExitStack() as stack:
        try:
            stack.enter_context(client.setup_kernel())
        except Exception as e:  # only the start may skip: a cell that fails fails the test
            pytest.skip(f"no Jupyter kernel could start for {sys.executable}: {e}")
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i, execution_count=i + 1)

    module_out = {k for o in nb.cells[1].outputs for k in o.get("data", {})}
    assert "text/html" in module_out
    if viz.find_dot() is not None:
        assert "image/svg+xml" in module_out
    html = next(o["data"]["text/html"] for o in nb.cells[1].outputs if "text/html" in o.get("data", {}))
    assert "[N, 3, 32, 32]" in html and "opt level" in html

    summary = next(o["data"] for o in nb.cells[2].outputs if "data" in o)
    assert "text/html" in summary and "<table>" in summary["text/html"]
    assert "layer1.0" in summary["text/html"] and "Summary(" not in summary["text/html"]
