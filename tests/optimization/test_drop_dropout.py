"""drop_dropout alone: inference has no dropout; outputs stay."""

from __future__ import annotations

from torch import nn

from resgraph.optimization.drop_dropout import drop_dropout

from tests.optimization.helpers import run_pass, same_outputs, X16


def test_drop_dropout(dense):
    gm, changes = run_pass(dense, drop_dropout)
    assert changes == ["removed dropout drop"]
    assert not any(isinstance(m, nn.Dropout) for m in gm.modules())
    same_outputs(dense, gm, X16)
