"""The contestants: the eager model, what a user could do to it, and resgraph at each level.

Every variant holds the same weights (the reference's, loaded into resgraph's module by name).
"""

from __future__ import annotations

import copy
import contextlib
import io
from typing import Callable

import torch
from torch import nn

from ..optimization.compile_module import runs_on_onednn
from .reference import has_memory_efficient_reference, ours, reference

EAGER = "eager"


def _autocast(device: str, amp: bool):
    if not amp:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16)


def _runner(module: nn.Module, x: torch.Tensor, device: str, amp: bool = False,
            precision: str = "fp32") -> Callable[[], object]:
    def run():
        with torch.no_grad(), _autocast(device, amp):
            return module(x)
    run.precision = "bf16" if amp else precision  # which peak its GFLOP/s is read against
    return run


def example(batch: int, size: int, device: str) -> torch.Tensor:
    """The input every variant of one measure is fed."""
    return torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(0)).to(device)


def inference(name: str, device: str, batch: int, size: int, *, compile: bool, amp: bool,
              weights: dict | None = None, precision: str = "fp32") -> dict[str, Callable[[], object]]:
    """{variant: step} for eval-mode inference; `amp` adds the bfloat16 autocast rows, precision="bf16"
    the rows computing in bf16: the eager model cast (channels_last, and compiled) and
    resgraph's precision="bf16"."""
    import resgraph
    from torch.fx.experimental.optimization import optimize_for_inference

    ref = reference(name).eval()
    if weights is not None:
        ref.load_state_dict(weights)
    ref.to(device)
    base = ours(name, ref.state_dict()).eval().to(device)
    x = example(batch, size, device)
    xc = x.contiguous(memory_format=torch.channels_last)
    cl = copy.deepcopy(ref).to(memory_format=torch.channels_last)
    o1 = resgraph.optimize(base, opt_level=1)
    out = {EAGER: _runner(ref, x, device), "eager channels_last": _runner(cl, xc, device)}
    if device == "cpu":  # optimize_for_inference is oneDNN's CPU path
        out["eager fx optimize_for_inference"] = _runner(optimize_for_inference(copy.deepcopy(ref)), x, device)
    if compile:
        out["eager torch.compile"] = _runner(torch.compile(copy.deepcopy(ref)), x, device)
    out["resgraph -O0"] = _runner(base, x, device)
    out["resgraph -O1"] = _runner(o1, x, device)
    if compile:
        o2 = resgraph.optimize(base, opt_level=2)
        out["resgraph -O2"] = _runner(o2, x, device)
        if runs_on_onednn(o2):  # -O2 kept the -O1 module (CPU): show what compiling it would give
            out["resgraph -O1 + torch.compile"] = _runner(torch.compile(resgraph.optimize(base, opt_level=1)), x, device)
    if amp:
        out["eager channels_last autocast"] = _runner(cl, xc, device, amp=True)
        out["resgraph -O1 autocast"] = _runner(o1, x, device, amp=True)
    if precision == "bf16":
        cast, xb = copy.deepcopy(cl).to(torch.bfloat16), xc.to(torch.bfloat16)
        out["eager bf16 channels_last"] = _runner(cast, xb, device, precision="bf16")
        if compile:
            out["eager torch.compile bf16"] = _runner(torch.compile(copy.deepcopy(cast)), xb, device,
                                                      precision="bf16")
        ob = resgraph.optimize(base, opt_level=1, precision="bf16")  # float32 (warned) without bf16 units
        out["resgraph -O1 bf16"] = _runner(ob, x, device, precision=ob.meta["resgraph"]["precision"])
    return out


def check_outputs(steps: dict[str, Callable[[], object]]) -> tuple[dict[str, dict], dict[str, str]]:
    """({variant: how far its output is from eager's}, {variant: why it failed}).

    Every row computes the same function, and this shows it: the max abs difference, the relative
    error ||y - eager|| / ||eager|| and, for outputs with a class dimension, the share of samples
    whose top-1 class agrees with eager's. A variant that raises (torch's optimize_for_inference
    refuses a broadcasting `mul`, as in squeeze-excitation) is reported with its error instead of
    ending the run.
    """
    want = steps[EAGER]().float()
    errors, failed = {}, {}
    for name, run in steps.items():
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # torch.fx prints the traceback before raising
                errors[name] = compare(run().float(), want)
        except Exception as exc:  # noqa: BLE001 - any failure of a contestant is a row, not a crash
            failed[name] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return errors, failed


def compare(got: torch.Tensor, want: torch.Tensor) -> dict:
    out = {"max_abs_err": (got - want).abs().max().item(),
           "rel_err": ((got - want).norm() / want.norm().clamp_min(1e-30)).item()}
    if want.dim() >= 2:
        out["top1"] = (got.argmax(1) == want.argmax(1)).float().mean().item()
    return out


def training_names(name: str) -> list[str]:
    names = [EAGER, "eager channels_last", "resgraph -O0", "resgraph -O0 channels_last"]
    if name.startswith("densenet"):
        names.append("resgraph -O0 memory_efficient")
        if has_memory_efficient_reference(name):
            names.append("eager memory_efficient (torchvision)")
    return names


def training_module(name: str, variant: str, device: str, weights: dict | None = None) -> nn.Module:
    """The trainable module for one training variant, on `device`."""
    import resgraph

    if variant == "eager memory_efficient (torchvision)":
        module = reference(name, memory_efficient=True)
    else:
        module = reference(name)
    if weights is not None:
        module.load_state_dict(weights)
    if variant.startswith("resgraph"):
        module = ours(name, module.state_dict())
        if variant.endswith("memory_efficient"):
            module = resgraph.optimize(module, opt_level=0, memory_efficient=True)
    module.to(device).train()
    if variant.endswith("channels_last"):
        module.to(memory_format=torch.channels_last)
    return module


def train_step(module: nn.Module, batch: int, size: int, device: str) -> Callable[[], object]:
    """One SGD step (forward, cross-entropy, backward, update) on a fixed random batch."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 3, size, size, generator=g).to(device)
    if any(p.is_contiguous(memory_format=torch.channels_last) and p.dim() == 4 and not p.is_contiguous()
           for p in module.parameters()):
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (batch,), generator=g).to(device)
    opt = torch.optim.SGD(module.parameters(), lr=1e-3, momentum=0.9)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(module(x), y).backward()
        opt.step()
    return step
