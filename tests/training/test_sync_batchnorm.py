"""`nn.SyncBatchNorm.convert_sync_batchnorm` on a compiled module: fx calls submodules by path at
run time, so replacing them in place is all it takes. Syncing itself needs a GPU process group
(torch refuses CPU tensors there); without one, SyncBatchNorm computes what BatchNorm does."""

from __future__ import annotations

import torch
from torch import nn

import resgraph


def test_every_batchnorm_becomes_sync_and_the_module_still_computes_and_saves(tmp_path):
    m = resgraph.compile("cifar_resnet20", seed=0)
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    before = {n for n, c in m.named_modules() if isinstance(c, nn.BatchNorm2d)}
    keys, expected = list(m.state_dict()), m.train()(x)

    s = nn.SyncBatchNorm.convert_sync_batchnorm(resgraph.compile("cifar_resnet20", seed=0))
    after = {n for n, c in s.named_modules() if isinstance(c, nn.SyncBatchNorm)}
    assert before and after == before
    assert not any(type(c) is nn.BatchNorm2d for c in s.modules())
    assert list(s.state_dict()) == keys
    torch.testing.assert_close(s.train()(x), expected)  # the new modules are the ones called

    resgraph.save_model(s, tmp_path / "run")  # the spec's own BatchNorm comes back on loading
    loaded = resgraph.load_model(tmp_path / "run").eval()
    torch.testing.assert_close(loaded(x), s.eval()(x))
