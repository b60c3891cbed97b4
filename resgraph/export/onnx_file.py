"""A module as an ONNX file, checked (onnx.checker, optionally onnxruntime) before it is written,
all of it or none.

The TorchScript-based exporter (`torch.onnx.export(..., dynamo=False)`) is the default: it exports
every zoo family at level 0 and the portable level 1, two to three times faster than the
torch.export-based one (densenet121 at 64x64: 7.7 s against 20.9 s on a loaded machine), needs only
`onnx`, and exists in every torch resgraph supports. torch deprecates it since 2.9, so `dynamo=True`
(which needs onnxscript) is one argument away and is tested too; docs/export.md has the figures.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import CompileError, ResgraphError, Span, UsageError
from ..syntax.loader import write_file
from .extra import require
from .inputs import OUTPUT, checked, eval_mode, example_inputs, failed, graph_of, input_names
from .onnxruntime_check import TOLERANCE, Agreement, compare

# What the TorchScript exporter says on every export that no user can act on: its deprecation (the
# choice is deliberate, see above; its own internals warn too) and a slice (`::2`) left unfolded.
QUIET = ("You are using the legacy TorchScript-based ONNX export", "The feature will be removed",
         "Constant folding - Only steps=1 can be constant folded")


@dataclass(frozen=True)
class OnnxFile:
    """What to_onnx wrote: the file, its size, the exporter, and onnxruntime's agreement if checked."""

    path: Path
    size: int  # bytes
    exporter: str
    agreement: Agreement | None


def to_onnx(module: nn.Module, path: str | Path, *, example_input=None, dynamic_batch: bool = False,
            dynamo: bool = False, opset: int | None = None, verify: bool = False) -> OnnxFile:
    """Write `module` as an ONNX file at `path`.

    The module is exported in eval mode (each layer's mode is restored after). `example_input`
    defaults to a random batch of the compiled graph's input shape; `dynamic_batch=True` makes the
    batch dimension of the inputs and the output symbolic. The model must pass onnx.checker, and
    with `verify=True` onnxruntime's outputs must equal the module's (within 1e-4 of the output's
    magnitude; at two batch sizes when the batch is dynamic), or nothing is written. A level-1
    module must be the portable one (`resgraph.optimize(m, opt_level=1, portable=True)`).
    """
    onnx = require("onnx", "ONNX export")
    if dynamo:
        require("onnxscript", "the torch.export-based ONNX exporter (dynamo=True)")
    if verify:
        require("onnxruntime", "verify=True")
    checked(module, "to_onnx")
    path = Path(path)
    if path.is_dir() or not path.parent.is_dir():  # before the export, which can take a while
        why = "it is a directory" if path.is_dir() else f"there is no directory {path.parent}"
        raise UsageError(f"cannot write the ONNX file here: {why}", Span.file(str(path)),
                         hint="name a file in an existing directory, e.g. model.onnx")
    # a dynamic batch is traced at 2: torch.export (dynamo=True) specializes a size of 1
    inputs = example_inputs(module, example_input, batch=2 if dynamic_batch else 1)
    names = input_names(module, len(inputs))
    with eval_mode(module):
        data = (_dynamo if dynamo else _torchscript)(module, inputs, names, dynamic_batch, opset)
    data += _metadata(onnx, module)
    try:
        onnx.checker.check_model(data, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise failed("onnx.checker", exc, "report this as a bug in resgraph's export") from None
    agreement = _verify(module, data, inputs, dynamic_batch) if verify else None
    write_file(path, data)
    return OnnxFile(path, len(data), "torch.export" if dynamo else "TorchScript", agreement)


def _verify(module: nn.Module, data: bytes, inputs: tuple, dynamic_batch: bool) -> Agreement:
    """onnxruntime against the module on the traced inputs (and on batch 3 when it is dynamic)."""
    batches = [inputs]
    if dynamic_batch:
        gen = torch.Generator().manual_seed(1)
        batches.append(tuple(torch.randn(3, *t.shape[1:], generator=gen).to(t) for t in inputs))
    agreement = compare(module, data, batches)
    if not agreement.ok:
        raise CompileError(f"onnxruntime's outputs differ from the module's by up to "
                           f"{agreement.max_difference:.3g} (outputs up to {agreement.max_output:.3g}; "
                           f"allowed {TOLERANCE:g} of that, at least {TOLERANCE:g})",
                           hint="try the other exporter (dynamo), or report this as a bug")
    return agreement


def _metadata(onnx, module: nn.Module) -> bytes:
    """The model name and level as ONNX metadata, serialized to be appended to the exported bytes:
    concatenated protobuf messages merge (repeated fields add up), so the model, possibly hundreds
    of megabytes, is neither parsed nor serialized again."""
    meta = getattr(module, "meta", {}).get("resgraph", {})
    graph, level = graph_of(module), meta.get("opt_level", 0)
    props = {"resgraph.model": graph.name if graph is not None else type(module).__name__,
             "resgraph.opt_level": f"{level}{' portable' if level and meta.get('portable') else ''}"}
    entries = [onnx.StringStringEntryProto(key=k, value=v) for k, v in props.items()]
    return onnx.ModelProto(metadata_props=entries).SerializeToString()


def _torchscript(module, inputs, names, dynamic_batch, opset) -> bytes:
    axes = {n: {0: "batch"} for n in [*names, OUTPUT]} if dynamic_batch else None
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        for message in QUIET:
            warnings.filterwarnings("ignore", message)
        try:
            torch.onnx.export(module, inputs, buffer, dynamo=False, input_names=names,
                              output_names=[OUTPUT], dynamic_axes=axes, opset_version=opset)
        except ResgraphError:
            raise
        except Exception as exc:  # torch's exporters raise many unrelated types
            raise failed("torch.onnx (TorchScript exporter)", exc,
                         "try the torch.export-based exporter: dynamo=True (resgraph export --dynamo)") from None
    return buffer.getvalue()


def _dynamo(module, inputs, names, dynamic_batch, opset) -> bytes:
    shapes = None
    if dynamic_batch:
        batch = torch.export.Dim("batch")
        shapes = tuple({0: batch} for _ in inputs)
    try:
        program = torch.onnx.export(module, inputs, dynamo=True, input_names=names, output_names=[OUTPUT],
                                    dynamic_shapes=shapes, opset_version=opset, verbose=False)
    except ResgraphError:
        raise
    except Exception as exc:
        raise failed("torch.onnx (torch.export-based exporter)", exc,
                     "try the TorchScript exporter (dynamo=False)") from None
    return program.model_proto.SerializeToString()
