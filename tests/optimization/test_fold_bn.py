"""fold_bn alone: a BN right after a conv folds into its weights; outputs stay."""

from __future__ import annotations

import torch
from torch import nn

import resgraph
from resgraph.optimization.fold_bn import fold_bn

from tests.optimization.helpers import randomized, run_pass, same_outputs, X16, X64


def test_fold_bn_folds_every_bn_after_a_conv(dense, resnet):
    gm, changes = run_pass(resnet, fold_bn)
    assert len(changes) == 20  # resnet18: 17 convs in the trunk + 3 downsample convs, each with its BN
    assert not any(isinstance(m, nn.BatchNorm2d) for m in gm.modules())
    same_outputs(resnet, gm, X64)
    gm, changes = run_pass(dense, fold_bn)
    assert sorted(changes) == sorted(
        [f"folded block1.denselayer{i}.norm2 into block1.denselayer{i}.conv1" for i in (1, 2, 3)]
        + ["folded norm0 into conv0"])
    assert isinstance(gm.get_submodule("block1.denselayer1.norm1"), nn.BatchNorm2d)  # after a concat: stays
    same_outputs(dense, gm, X16)


def test_fold_bn_leaves_a_conv_with_other_users():
    m = randomized(resgraph.compile(resgraph.loads(
        "model m { input x[3, 8, 8]\n c = x -> conv(4, 3)\n b = c -> bn\n out = add(b, c) }"), seed=0))
    gm, changes = run_pass(m, fold_bn)
    assert changes == []
    same_outputs(m, gm, torch.randn(1, 3, 8, 8))
