"""The optimizing pipeline: every pass, in the order it runs, and what each level turns on.

Level 0 is the faithful, trainable module the back end builds. Level 1 is for inference: it folds
and fuses ops, changes the data layout and shares dense-block buffers; level 2 hands the level-1
module to torch.compile (except over oneDNN on the CPU, where that measured slower). `memory_efficient` is for training, at level 0.
`portable=True` keeps to the passes that change what is computed, so that level 1 exports well.
The caller's module is never modified: passes run on a copy. Where any pass runs, the copy is
flattened first (backend/flatten.py): the passes read one graph, not the block modules of level 0.
"""

from __future__ import annotations

import copy
import sys
from typing import Callable, Iterable

import torch
from torch import fx, nn

from ..backend import checkpointing
from ..backend.flatten import flatten
from ..errors import UsageError
from .bf16 import bf16
from .channels_last import channels_last
from .compile_module import compile_module
from .dense_buffer import dense_buffer
from .drop_dropout import drop_dropout
from .fold_bn import fold_bn
from .fold_bn_relu import fold_bn_relu
from .inplace_relu import inplace_relu
from .memory_efficient import memory_efficient
from .mkldnn_conv import mkldnn_conv
from .pool_first import pool_first

Pass = Callable[[fx.GraphModule], list[str]]

INFERENCE: list[tuple[str, Pass]] = [
    ("drop_dropout", drop_dropout),
    ("fold_bn", fold_bn),
    ("fold_bn_relu", fold_bn_relu),
    ("pool_first", pool_first),
    ("dense_buffer", dense_buffer),
    ("mkldnn_conv", mkldnn_conv),
    ("channels_last", channels_last),
    ("inplace_relu", inplace_relu),
]
TRAINING: list[tuple[str, Pass]] = [("memory_efficient", memory_efficient)]
# What the portable level 1 (for export) leaves out: the passes that change how this process runs
# the model rather than what it computes. No exporter reads mkldnn_conv's oneDNN layers
# (runtime_only.RuntimeOnly); the others export, but exporters undo what they buy: in-place writes
# are made functional (dense_buffer's become scatters: densenet121 has 2,998 ONNX nodes instead of
# 492, no faster in onnxruntime) and ONNX has no memory format (channels_last). See docs/export.md.
NOT_PORTABLE = frozenset({"dense_buffer", "mkldnn_conv", "channels_last", "inplace_relu"})

PRECISIONS: dict[str, list[tuple[str, Pass]]] = {"fp32": [], "bf16": [("bf16", bf16)]}  # run after INFERENCE


def passes_for(opt_level: int, memory_efficient: bool = False, skip: Iterable[str] = (),
               portable: bool = False, precision: str = "fp32") -> list[tuple[str, Pass]]:
    """The (name, pass) pairs a level runs, in order, less those named in `skip` (and, when
    `portable`, less NOT_PORTABLE)."""
    if opt_level not in (0, 1, 2):
        raise UsageError(f"opt_level must be 0, 1 or 2, got {opt_level}")
    if memory_efficient and opt_level >= 1:
        raise UsageError("memory_efficient is for training, at opt_level 0; levels 1 and 2 are for inference")
    if portable and opt_level == 2:
        raise UsageError("portable is for export, and level 2 wraps the module in torch.compile, "
                         "which no exporter reads", hint="use opt_level=1 with portable=True")
    check_precision(precision, opt_level)
    if portable and precision != "fp32":
        raise UsageError("portable level 1 is for export, which takes the fp32 module",
                         hint="export with precision='fp32': the runtime picks its own precision "
                              "(OpenVINO's bf16 hint, ONNX Runtime's converters)")
    chosen = list(INFERENCE) + PRECISIONS[precision] if opt_level >= 1 else \
        list(TRAINING) if memory_efficient else []
    if portable:
        chosen = [(name, run) for name, run in chosen if name not in NOT_PORTABLE]
    unknown = sorted(set(skip) - {name for name, _ in chosen})
    if unknown:
        raise UsageError(f"cannot skip {', '.join(unknown)}: opt_level {opt_level}{' portable' * portable} runs "
                         f"{', '.join(name for name, _ in chosen) or 'no passes'}")
    return [(name, run) for name, run in chosen if name not in set(skip)]


def check_precision(precision: str, opt_level: int) -> None:
    if precision not in PRECISIONS:
        raise UsageError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}, got {precision!r:.40}")
    if precision != "fp32" and opt_level < 1:
        raise UsageError(f"precision={precision!r} is for inference modules", hint="add opt_level=1")


def optimize(module: fx.GraphModule, *, opt_level: int = 1, memory_efficient: bool = False,
             explain: bool = False, skip: Iterable[str] = (), portable: bool = False,
             precision: str = "fp32") -> fx.GraphModule:
    """An optimized copy of a level-0 module, same weights; `skip` names passes not to run
    (to measure what one pass buys, or to step around one); `portable` leaves out NOT_PORTABLE, so
    that the module exports (ONNX, torch.export, TorchScript) without the runtime's tricks;
    `precision="bf16"` computes convolutions and linears in bfloat16 where the hardware has bf16
    units (`bf16.py`).

    The explain report — a list of {"pass", "changes"} records, one per pass that ran, where
    `changes` lists what it changed — is kept in `meta["resgraph"]["explain"]` of the result
    (always; `explain=True` also prints it to stderr).
    """
    chosen = passes_for(opt_level, memory_efficient, skip, portable, precision)
    meta = dict(getattr(module, "meta", {}).get("resgraph", {}))
    if meta.get("opt_level", 0) != 0:
        raise UsageError("optimize expects an opt_level=0 module; optimize the original, not an optimized one")
    source = module
    if chosen and checkpointing.enabled(module):  # for training only: the passes read plain block calls
        source = _copy(module, share_tensors=True)
        checkpointing.disable(source)
    gm = _copy(flatten(source) if chosen else source, share_tensors=opt_level >= 1)
    if opt_level >= 1:
        gm.eval()
    report = [{"pass": name, "changes": run(gm)} for name, run in chosen]
    _unshare(gm, module)
    if opt_level >= 2:
        gm, changes = compile_module(gm)
        report.append({"pass": "torch.compile", "changes": changes})
    meta.update(opt_level=opt_level, memory_efficient=memory_efficient, portable=portable, explain=report,
                precision="bf16" if any(t.dtype == torch.bfloat16 for t in [*gm.parameters(), *gm.buffers()])
                else "fp32")
    gm.meta["resgraph"] = meta
    if explain:
        print(format_report(report), file=sys.stderr)
    return gm


def _copy(module: fx.GraphModule, share_tensors: bool) -> fx.GraphModule:
    """A deep copy; with share_tensors, parameters and buffers are shared instead of cloned.

    Inference passes replace most weights with new tensors (folded, packed), so cloning them first
    would only be copied memory and time; `_unshare` clones what is still shared at the end.
    """
    tensors = [*module.parameters(), *module.buffers()] if share_tensors else []
    return copy.deepcopy(module, {id(t): t for t in tensors})


def _unshare(gm: nn.Module, original: nn.Module) -> None:
    """Give gm its own copy of every tensor it still shares with the caller's module."""
    shared = {id(t) for t in [*original.parameters(), *original.buffers()]}
    for m in gm.modules():
        for name, p in m._parameters.items():
            if p is not None and id(p) in shared:
                m._parameters[name] = nn.Parameter(p.detach().clone(), p.requires_grad)
        for name, b in m._buffers.items():
            if b is not None and id(b) in shared:
                m._buffers[name] = b.clone()


def format_report(report: list[dict]) -> str:
    """The explain report as text: each pass, then one indented line per change."""
    lines = []
    for rec in report:
        lines.append(f"{rec['pass']}: {len(rec['changes'])} change(s)" if rec["changes"] else f"{rec['pass']}: no change")
        lines += [f"  {c}" for c in rec["changes"]]
    return "\n".join(lines)
