"""The runtimes CNNs are deployed with: ONNX Runtime and OpenVINO, fed an ONNX export of the reference.

The export is torch.onnx's (the dynamo exporter, batch left dynamic), of the same eager model with
the same weights as every other row, made once per model into a temporary folder. ONNX Runtime runs
it with its CPU provider and every graph optimization (ORT_ENABLE_ALL); OpenVINO with the latency
hint, reshaped to the batch it is timed at, in float32 and (where the CPU has bf16 units) bf16.
Both use as many threads as torch does. A runtime that is not installed, or that cannot run here, is
a skipped row with the reason, never a failed run: they are optional (`pip install 'resgraph[bench]'`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ..optimization.bf16 import bf16_units
from .reference import installed

INSTALL = "pip install 'resgraph[bench]'"
ORT = "ONNX Runtime"
OPENVINO = "OpenVINO"
OPENVINO_BF16 = "OpenVINO bf16"


class Skipped(Exception):
    """A peer that cannot run here; the message says why (and what to install)."""


class Exported:
    """The reference's ONNX file, made on first use and deleted with this object."""

    def __init__(self, module: nn.Module, example: torch.Tensor):
        self.module, self.example = module, example
        self._dir: tempfile.TemporaryDirectory | None = None
        self._path: Path | None = None
        self._failed: str | None = None

    def path(self) -> Path:
        if self._failed:
            raise Skipped(self._failed)
        if self._path is None:
            try:
                self._path = self._export()
            except Skipped as exc:
                self._failed = str(exc)
                raise
        return self._path

    def _export(self) -> Path:
        missing = [m for m in ("onnx", "onnxscript") if not installed(m)]
        if missing:
            raise Skipped(f"the ONNX export needs {' and '.join(missing)}: {INSTALL}")
        self._dir = tempfile.TemporaryDirectory(prefix="resgraph-bench-")
        path = Path(self._dir.name) / "model.onnx"
        batch = torch.export.Dim("batch", min=1)
        try:  # the exporter reports progress on stdout and logs and warns about optional ops it skips
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), _quiet("torch.onnx"):
                warnings.simplefilter("ignore")
                torch.onnx.export(self.module.eval(), (self.example,), str(path), dynamo=True,
                                  input_names=["x"], output_names=["y"], dynamic_shapes=({0: batch},),
                                  verbose=False)
        except Exception as exc:  # noqa: BLE001 - a model the exporter refuses is a skipped row
            raise Skipped(f"torch.onnx.export failed: {type(exc).__name__}: "
                          f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
        return path


@contextlib.contextmanager
def _quiet(logger: str):
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _as_torch(run: Callable[[], object]) -> Callable[[], torch.Tensor]:
    return lambda: torch.from_numpy(run())


def onnxruntime_step(onnx: Exported, x: torch.Tensor, device: str) -> Callable[[], torch.Tensor]:
    if not installed("onnxruntime"):
        raise Skipped(f"onnxruntime is not installed: {INSTALL}")
    import onnxruntime as ort

    provider = "CUDAExecutionProvider" if device.startswith("cuda") else "CPUExecutionProvider"
    if provider not in ort.get_available_providers():
        raise Skipped(f"this onnxruntime has no {provider} (for CUDA: pip install onnxruntime-gpu)")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(str(onnx.path()), options, providers=[provider])
    feed = {"x": x.cpu().numpy()}  # on CUDA the host-to-device copy is part of its time
    return _as_torch(lambda: session.run(None, feed)[0])


def openvino_step(onnx: Exported, x: torch.Tensor, device: str, precision: str) -> Callable[[], torch.Tensor]:
    if not device.startswith("cpu"):
        raise Skipped(f"OpenVINO runs on CPUs (and Intel GPUs), not on {device}")
    if precision == "bf16" and bf16_units("cpu") is None:
        raise Skipped("this CPU has no bf16 units (AVX512-BF16 or AMX)")
    if not installed("openvino"):
        raise Skipped(f"openvino is not installed: {INSTALL}")
    import openvino as ov

    core = ov.Core()
    model = core.read_model(str(onnx.path()))
    model.reshape([*x.shape])  # static shapes, as a deployment for one batch size would compile
    compiled = core.compile_model(model, "CPU", {
        "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": torch.get_num_threads(),
        "INFERENCE_PRECISION_HINT": {"fp32": "f32", "bf16": "bf16"}[precision]})
    request = compiled.create_infer_request()
    feed = {0: x.numpy()}
    return _as_torch(lambda: request.infer(feed)[0].copy())


def steps(onnx: Exported, x: torch.Tensor, device: str,
          precision: str) -> dict[str, Callable[[], torch.Tensor] | Skipped]:
    """{row: step, or the Skipped saying why it cannot run}: the fp32 peers, and OpenVINO bf16
    when `precision` is "bf16"."""
    makers = {ORT: lambda: onnxruntime_step(onnx, x, device),
              OPENVINO: lambda: openvino_step(onnx, x, device, "fp32")}
    if precision == "bf16":
        makers[OPENVINO_BF16] = lambda: openvino_step(onnx, x, device, "bf16")
    out: dict[str, Callable[[], torch.Tensor] | Skipped] = {}
    for name, make in makers.items():
        try:
            out[name] = make()
        except Skipped as exc:
            out[name] = exc
    if callable(out.get(OPENVINO_BF16)):
        out[OPENVINO_BF16].precision = "bf16"
    return out
