"""torchinfo's summary shows resgraph's blocks as rows with their output shapes (a dev dependency)."""

from __future__ import annotations

import pytest

import resgraph

torchinfo = pytest.importorskip("torchinfo")


def test_summary_has_a_row_with_an_output_shape_per_block():
    module = resgraph.compile("resnet18", input_shape=(3, 64, 64), seed=0).eval()
    summary = torchinfo.summary(module, input_size=(1, 3, 64, 64), depth=2, verbose=0)
    rows = {(r.depth, r.var_name if r.depth == 1 else r.parent_info.var_name + "." + r.var_name): r
            for r in summary.summary_list if r.depth in (1, 2)}
    for i, (channels, size) in enumerate([(64, 16), (128, 8), (256, 4), (512, 2)], start=1):
        stage = rows[1, f"layer{i}"]
        assert stage.class_name == "Sequential" and stage.output_size == [1, channels, size, size]
        for j in range(2):
            block = rows[2, f"layer{i}.{j}"]
            assert block.class_name == "Basic" and block.output_size == [1, channels, size, size]
            assert block.trainable_params == sum(p.numel() for p in module.get_submodule(f"layer{i}.{j}").parameters())
    assert summary.total_params == sum(p.numel() for p in module.parameters())
    assert "Basic: 2-1" in str(summary)
