"""Every op's examples (OpDef.examples): the static training-memory count (OpDef.saves, and
OpDef.saved_per_sample for per-sample statistics and masks) equals what saved_tensors_hooks sees
on the compiled module, and the static inference peak equals the measured one. Driven by the
registry: a new op is checked by its examples."""

import pytest
import torch
from tests.ir.random_graphs import example_spec, ops_with_examples
from tests.tools.analysis.test_memory import measured_inference_peak, measured_training_saved

import resgraph
from resgraph.backend.fx import build_module
from resgraph.tools.analysis import inference_peak, training_saved

EXAMPLES = [(op.name, example) for op in ops_with_examples() for example in op.examples]
BATCH = 2


def _measured(example: str):
    graph = resgraph.loads(example_spec(example))
    module = build_module(graph, seed=0)
    t = graph.type_of(graph.inputs[0])
    x = torch.randn(BATCH, *t.dims(), generator=torch.Generator().manual_seed(0))
    # the input requires grad, so that ops without parameters save for backward too
    return graph, measured_inference_peak(module, x), measured_training_saved(module, x.requires_grad_())


@pytest.mark.parametrize(("op", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_static_memory_equals_measured_for_every_example(op, example):
    graph, peak, saved = _measured(example)
    assert inference_peak(graph, BATCH).bytes == peak, example
    assert training_saved(graph, BATCH).bytes == saved, example


@pytest.mark.parametrize(("example", "static", "stats"), [
    # the input map (8*16*16 floats a sample) and a mean and rstd per position (2*16*16)
    ("layernorm", BATCH * (8 + 2) * 16 * 16 * 4, BATCH * 2 * 16 * 16 * 4),
    # the input and a mean and rstd per group
    ("groupnorm(4)", BATCH * (8 * 16 * 16 + 2 * 4) * 4, BATCH * 2 * 4 * 4),
    # on a vector: a mean and rstd per sample
    ("flatten -> layernorm", BATCH * (8 * 16 * 16 + 2) * 4, BATCH * 2 * 4),
    # the [N, 1, 1, 1] mask, one float a sample (x * mask keeps only the mask: it needs no grad)
    ("drop_path(0.1)", BATCH * 4, BATCH * 4),
    # three operands: each one, and the partial product x * y
    ("mul(y, g)", BATCH * (3 * 8 * 16 * 16 + 8) * 4, BATCH * 8 * 16 * 16 * 4),
    # p = 0: torch returns the input itself and saves nothing
    ("dropout(0)", 0, 0),
])
def test_per_sample_saves_by_hand(example, static, stats):
    graph, _, saved = _measured(example)
    assert training_saved(graph, BATCH).bytes == static == saved
    op, operands = graph.opdef("out"), [graph.type_of(u) for u in graph.inputs_of("out")]
    per_sample = "per_sample" in op.saves(graph.attrs("out"), operands, graph.type_of("out"))
    floats = op.saved_per_sample(graph.attrs("out"), operands, graph.type_of("out")) if per_sample else 0
    assert floats * 4 * BATCH == stats
