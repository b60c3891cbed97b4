"""The two ONNX exporters side by side: seconds to export, and onnxruntime's agreement with the module.

    python benchmarks/export.py resnet18 densenet121 --size 64 --levels 0 1

For each model and level (1 = the portable level 1), `resgraph.to_onnx` runs with the TorchScript
exporter (resgraph's default) and with the torch.export-based one (`dynamo=True`), each in the same
process after a warm-up export of a tiny model; the seconds are `to_onnx`'s (export, onnx.checker,
write), and onnxruntime's outputs are then compared with the module's on the traced input.
The figures quoted in docs/export.md come from this script.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

import resgraph
from resgraph.export.inputs import example_inputs
from resgraph.export.onnxruntime_check import compare


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", help="zoo model names")
    p.add_argument("--size", type=int, default=64, help="input height and width (CIFAR models keep 32)")
    p.add_argument("--levels", type=int, nargs="+", default=[0, 1], choices=[0, 1])
    a = p.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        warm = resgraph.compile("cifar_plain20", seed=0)
        for dynamo in (False, True):  # the first export of each kind imports and registers a lot
            resgraph.to_onnx(warm, Path(tmp) / "warm.onnx", dynamo=dynamo)
        print(f"{'model':<22} {'level':<12} {'exporter':<13} {'seconds':>8} {'MB':>7} {'max abs diff':>13}")
        for name in a.models:
            cifar = name.startswith(("cifar", "densenet_bc"))
            base = resgraph.compile(name, seed=0, input_shape=None if cifar else (3, a.size, a.size)).eval()
            for level in a.levels:
                module = resgraph.optimize(base, opt_level=1, portable=True) if level else base
                for dynamo in (False, True):
                    started = time.perf_counter()
                    done = resgraph.to_onnx(module, Path(tmp) / "m.onnx", dynamo=dynamo)
                    seconds = time.perf_counter() - started
                    agreement = compare(module, done.path, [example_inputs(module)])
                    print(f"{name:<22} {'-O1 portable' if level else '-O0':<12} {done.exporter:<13} "
                          f"{seconds:>8.2f} {done.size / 1e6:>7.1f} {agreement.max_difference:>13.1e}",
                          flush=True)


if __name__ == "__main__":
    main()
