"""resgraph's own compiled zoo modules, imported back: every lowering the back end writes (layer
norm and linear over permuted channels, layer scale's held tensor, slices, upsampling, the
channels-last runs) is read by the registry again, and the spec computes what the module does.

A level-0 module whose blocks are submodules (GraphModules) gives the zoo's blocks back; a flat
one (one fx graph) a flat spec, full paths as labels. The structure tests are
tests/tools/importer/test_structure.py's.
"""

from __future__ import annotations

import pytest
import torch

import resgraph
from tests.tools.importer.roundtrip import roundtrip

# lowerings of each kind, at 32x32 (the ImageNet models' last stage is 1x1)
MODELS = ["cifar_resnet20", "mobilenet_v2", "resnetv2_18", "dpn68b", "convnext_tiny"]


@pytest.mark.parametrize("name", MODELS)
def test_compiled_zoo_module_imports_back(name):
    module = resgraph.compile(name, input_shape=(3, 32, 32), seed=0).eval()
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    graph, _ = roundtrip(module, x, name=name)
    original = resgraph.load(name, input_shape=(3, 32, 32))
    for key in module.state_dict():  # every layer holding tensors keeps its path (layer scale holds its own)
        assert key in graph or key.rpartition(".")[0] in graph
    if any(isinstance(m, torch.fx.GraphModule) for m in module.modules() if m is not module):
        assert any(s.kind == "block" for s in graph.scopes.values())  # blocks are modules: found again
    kinds = {kind for *_, kind, _ in original.edges()}
    assert {kind for *_, kind, _ in graph.edges()} == kinds  # skip, dense and gate edges stay what they were
