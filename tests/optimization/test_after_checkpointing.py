"""optimize reads the plain block calls: gradient checkpointing (for training) is taken off the copy,
never off the caller's module; and the portable level (for export) is fp32 only."""

import pytest
import torch

import resgraph
from resgraph.backend import checkpointing


def test_a_checkpointed_module_optimizes_as_if_it_were_not():
    m = resgraph.compile("resnet18", seed=0, input_shape=(3, 32, 32))
    m.set_grad_checkpointing()
    o = resgraph.optimize(m, opt_level=1)
    assert checkpointing.enabled(m) and not checkpointing.enabled(o)
    assert "checkpoint" not in o.code
    plain = resgraph.optimize(resgraph.compile("resnet18", seed=0, input_shape=(3, 32, 32)), opt_level=1)
    assert [r["pass"] for r in o.meta["resgraph"]["explain"]] == [r["pass"] for r in plain.meta["resgraph"]["explain"]]
    assert [len(r["changes"]) for r in o.meta["resgraph"]["explain"]] == \
        [len(r["changes"]) for r in plain.meta["resgraph"]["explain"]]
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(o(x), m.eval()(x), atol=1e-4)


def test_portable_level_1_refuses_bf16():
    m = resgraph.compile("resnet18", seed=0, input_shape=(3, 32, 32)).eval()
    with pytest.raises(resgraph.ResgraphError, match="fp32"):
        resgraph.optimize(m, opt_level=1, portable=True, precision="bf16")
