"""The two modules most pass tests run on, compiled once for the whole session (tests copy them)."""

from __future__ import annotations

import pytest

import resgraph

from tests.optimization.helpers import randomized


SMALL_DENSE = """
block layer(k: int) {
    out = in -> norm1: bn -> relu -> conv1: conv(4 * k, 1, bias=false) -> norm2: bn -> relu
             -> conv2: conv(k, 3, bias=false)
}
block dense(n: int, k: int) {
    for i in 1..=n {
        h{i} = concat(in, h{1..i}) -> denselayer{i}: layer(k)
    }
    out = concat(in, h{1..=n})
}
model small_dense {
    input x[3, 16, 16]
    out = x -> conv0: conv(8, 3, bias=false) -> norm0: bn -> relu -> block1: dense(3, 4)
            -> norm5: bn -> relu -> adaptive_avgpool(1) -> flatten -> drop: dropout(0.5) -> fc: linear(5)
}
"""


@pytest.fixture(scope="session")
def dense():
    return randomized(resgraph.compile(resgraph.loads(SMALL_DENSE), seed=0))


@pytest.fixture(scope="session")
def resnet():
    return randomized(resgraph.compile("resnet18", seed=0))
