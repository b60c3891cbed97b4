"""Static activation memory against measurements on the compiled module.

Inference: a torch.fx.Interpreter runs the real module, flattened, node by node, freeing values after their
last use exactly as the generated code does, and records the distinct tensor storages alive after
each node (views share storage, found by data pointer, not assumed; parameters and buffers are
model state, not counted). Training: a
saved_tensors_hooks pack hook sees every tensor autograd saves for backward; distinct storages
that are not parameters or buffers are summed.
"""

import pytest
import torch
from tests.tools.analysis.nets import plain_chain, tiny_densenet, tiny_resnet
from torch.autograd.graph import saved_tensors_hooks

from resgraph.backend.flatten import flatten
from resgraph.backend.fx import build_module
from resgraph.tools.analysis import inference_peak, training_saved


def _storage(t: torch.Tensor) -> tuple[int, int]:
    s = t.untyped_storage()
    return s.data_ptr(), s.nbytes()


def measured_inference_peak(module: torch.fx.GraphModule, x: torch.Tensor) -> int:
    state = {_storage(t)[0] for t in [*module.parameters(), *module.buffers()]}  # a get_attr's value
    peak = 0

    class Probe(torch.fx.Interpreter):
        def run_node(self, n):
            nonlocal peak
            result = super().run_node(n)
            values = [x, result, *self.env.values()]
            live = dict(_storage(v) for v in values if isinstance(v, torch.Tensor))
            peak = max(peak, sum(n for ptr, n in live.items() if ptr not in state))
            return result

    module.eval()
    with torch.no_grad():
        Probe(module).run(x)
    return peak


def measured_training_saved(module: torch.nn.Module, x: torch.Tensor) -> int:
    state = {_storage(t)[0] for t in [*module.parameters(), *module.buffers()]}
    saved: dict[int, int] = {}

    def pack(t):
        ptr, nbytes = _storage(t)
        if ptr not in state:
            saved[ptr] = nbytes
        return t

    module.train()
    with saved_tensors_hooks(pack, lambda t: t):
        out = module(x)
    del out
    return sum(saved.values())


def _input(graph, batch):
    t = graph.type_of(graph.inputs[0])
    return torch.randn(batch, *t.dims(), generator=torch.Generator().manual_seed(0))


TINY = [tiny_resnet, tiny_densenet, lambda: plain_chain(4)]


@pytest.mark.parametrize("make", TINY)
@pytest.mark.parametrize("batch", [1, 3])
def test_static_memory_equals_measured_on_tiny_nets(make, batch):
    graph = make()
    module = build_module(graph, seed=0)
    x = _input(graph, batch)
    assert inference_peak(graph, batch).bytes == measured_inference_peak(flatten(module), x)
    assert training_saved(graph, batch).bytes == measured_training_saved(module, x)


def test_tiny_resnet_inference_peak_by_hand():
    # 4x8x8 float maps are 1 KiB, the 3x8x8 input 768 B and stays live. Inside the block three
    # maps are live at once: the skip (stem relu) plus an op's input and output. First reached at
    # the block's bn1 (skip + conv1 + bn1 output).
    peak = inference_peak(tiny_resnet(), 1)
    assert peak.bytes == 768 + 3 * 1024
    assert peak.at == "layer1.0.bn1"


def test_tiny_resnet_training_saved_by_hand():
    # input (768) + conv1, relu, block conv1, block relu, block conv2, block relu_1 outputs
    # (6 KiB; relu outputs count once though the next conv saves them too) + 3 bn x 2 x 4 channels
    # x 4 B of batch statistics; pooling to 1x1 and flatten save nothing, fc saves its 4 inputs.
    saved = training_saved(tiny_resnet(), 1)
    assert saved.bytes == 768 + 6 * 1024 + 3 * 2 * 4 * 4 + 4 * 4
    # each tensor is attributed to the first op that saves it (topological order)
    assert saved.by_op == {"conv": 768, "bn": 3 * 1024 + 3 * 32, "relu": 3 * 1024, "linear": 16}
