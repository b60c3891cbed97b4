"""What the export tests share: the smallest model of each zoo family, small inputs, and onnxruntime
run directly (not through resgraph's own check) so that the check is independent of the code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

import resgraph

from tests.optimization.helpers import randomized

# The smallest model of each family (tests/export/test_onnx_zoo.py fails when a family is missing).
SMALLEST = {
    "resnet": "resnet18", "densenet": "densenet121", "cifar_resnet": "cifar_resnet20",
    "cifar_plain": "cifar_plain20", "cifar_densenet": "densenet_bc_100_k12", "resnet_d": "resnet50d",
    "resnetv2": "resnetv2_18", "seresnet": "seresnet50", "mobilenet": "mobilenet_v2",
    "vovnet": "ese_vovnet19b_dw", "dpn": "dpn68", "convnext": "convnext_tiny", "fcn": "fcn_resnet50",
}
TOLERANCE = 1e-4  # of the output's largest magnitude, at least 1


def small(name: str, opt_level: int = 0):
    """The model at 64x64 (CIFAR ones at their 32x32), BatchNorms randomized so folding them is
    no identity; at opt_level 1 the portable level 1."""
    shape = None if name.startswith("cifar") or name.startswith("densenet_bc") else (3, 64, 64)
    m = randomized(resgraph.compile(name, seed=0, input_shape=shape), gain=(0.2, 0.6))
    return resgraph.optimize(m, opt_level=1, portable=True) if opt_level else m


def batch(module, n: int, seed: int = 0) -> torch.Tensor:
    graph = module.meta["resgraph"]["graph"]
    dims = graph.type_of(graph.inputs[0]).dims()
    return torch.randn(n, *dims, generator=torch.Generator().manual_seed(seed))


def assert_onnxruntime_equals(module, path: Path, xs: list[torch.Tensor]) -> None:
    ort = __import__("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (name,) = [i.name for i in session.get_inputs()]
    for x in xs:
        with torch.no_grad():
            ref = module(x).numpy()
        (got,) = session.run(None, {name: x.numpy()})
        assert got.shape == ref.shape
        scale = max(1.0, float(np.abs(ref).max()))
        assert float(np.abs(got - ref).max()) <= TOLERANCE * scale, (float(np.abs(got - ref).max()), scale)
