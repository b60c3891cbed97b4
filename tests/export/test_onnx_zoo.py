"""Every zoo family exports to ONNX at level 0 and at the portable level 1: onnx.checker passes and
onnxruntime's outputs equal the module's."""

from __future__ import annotations

import pytest

import resgraph
from resgraph.zoo import FAMILIES, family

from tests.export.helpers import SMALLEST, assert_onnxruntime_equals, batch, small

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def test_every_family_is_exported():
    assert set(SMALLEST) == set(FAMILIES)
    assert all(family(name) == fam for fam, name in SMALLEST.items())


@pytest.fixture(scope="module", params=sorted(SMALLEST.values()))
def model(request):
    """One family's model, compiled once for its tests (pytest groups the tests by it)."""
    return small(request.param)


def test_level0_exports(model, tmp_path):
    path = tmp_path / "m.onnx"
    resgraph.to_onnx(model, path)
    onnx.checker.check_model(str(path))  # to_onnx ran the full check (shape inference too)
    assert_onnxruntime_equals(model, path, [batch(model, 1)])


def test_portable_level1_exports(model, tmp_path):
    o1 = resgraph.optimize(model, opt_level=1, portable=True)
    assert o1.meta["resgraph"]["portable"] and o1.meta["resgraph"]["opt_level"] == 1
    path = tmp_path / "m.onnx"
    resgraph.to_onnx(o1, path)
    onnx.checker.check_model(str(path))
    assert_onnxruntime_equals(o1, path, [batch(o1, 1)])
