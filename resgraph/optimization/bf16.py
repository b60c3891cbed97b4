"""Inference pass (`precision="bf16"`): convolutions and linears compute in bfloat16.

It runs last, on the finished float32 module, so every fold (BatchNorm into its conv, the
pre-activation clamp's scale and shift) was computed in float32 before anything is rounded.
Then weights and the elementwise constants become bfloat16, and with them every activation: the
fused oneDNN convolutions of `mkldnn_conv` keep their post-ops and repack their weights once, in
the bf16 blocked layout, on the first call; activations stay NHWC bf16 from layer to layer (no
reorder between layers), and `dense_buffer`'s block buffers are allocated bf16 because they take
their input's dtype. Two things stay float32: the parameters of the norms left unfolded (their
CPU kernels take bf16 input with float32 statistics and return bf16), and the module's boundary:
the input is converted to bf16 (and NHWC) in one copy at the entry, and floating outputs are
returned as float32. (Biases are bf16 too: oneDNN's fused residual kernel takes no other.)

bf16 pays only where the hardware multiplies bf16 natively (AVX512-BF16, AMX, CUDA since
Ampere); elsewhere oneDNN emulates it, slower than float32, so the pass warns and keeps float32.
`RESGRAPH_BF16=force` makes it cast anyway (to test accuracy on any machine).
"""

from __future__ import annotations

import os
import warnings

import torch
from torch import fx, nn

from .channels_last import to_channels_last
from .fx_match import finish
from .mkldnn_conv import FusedConv2d

FORCE_ENV = "RESGRAPH_BF16"  # "force": cast even where the hardware has no bf16 units
KEPT_FLOAT = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)  # mixed-dtype kernels


def bf16_units(device: torch.device | str = "cpu") -> str | None:
    """The bf16 units this device has (e.g. "avx512_bf16"), or None."""
    device = torch.device(device)
    if device.type == "cuda":
        return "cuda bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else None
    if device.type != "cpu":
        return None
    cpu = torch.cpu
    found = [name for name, probe in (("amx_bf16", "_is_amx_tile_supported"),
                                      ("avx512_bf16", "_is_avx512_bf16_supported"))
             if getattr(cpu, probe, lambda: False)()]
    return found[0] if found else None


def forced() -> bool:
    return os.environ.get(FORCE_ENV, "").strip().lower() == "force"


def to_bf16_input(x: torch.Tensor) -> torch.Tensor:
    """The entry conversion: one copy into bf16 (NHWC for a 4-D map)."""
    if not x.is_floating_point():
        return x
    fmt = torch.channels_last if x.dim() == 4 else torch.contiguous_format
    return x.to(dtype=torch.bfloat16, memory_format=fmt)


def to_float32(out):
    """Floating tensors of the module's output (a tensor, or a tuple/list/dict of them) as float32."""
    if isinstance(out, torch.Tensor):
        return out.float() if out.is_floating_point() else out
    if isinstance(out, (tuple, list)):
        return type(out)(to_float32(o) for o in out)
    if isinstance(out, dict):
        return {k: to_float32(v) for k, v in out.items()}
    return out


def _cast_tensors(gm: fx.GraphModule) -> int:
    """Floating parameters and buffers to bf16, except norms'; returns how many were cast."""
    count = 0
    for m in gm.modules():
        if isinstance(m, KEPT_FLOAT):
            continue
        for store in (m._parameters, m._buffers):
            for name, t in store.items():
                if t is None or not t.is_floating_point() or t.dtype == torch.bfloat16:
                    continue
                cast = t.detach().to(torch.bfloat16)
                store[name] = nn.Parameter(cast, t.requires_grad) if isinstance(t, nn.Parameter) else cast
                count += 1
    return count


def _convert_boundary(gm: fx.GraphModule) -> None:
    """Inputs into bf16 at the entry (replacing channels_last's conversion: one copy, not two);
    floating outputs back to float32."""
    graph = gm.graph
    for node in [n for n in graph.nodes if n.op == "placeholder"]:
        for user in [u for u in node.users if u.op == "call_function" and u.target is to_channels_last]:
            user.target = to_bf16_input
        if not any(u.target is to_bf16_input for u in node.users):
            with graph.inserting_after(node):
                new = graph.call_function(to_bf16_input, (node,))
            node.replace_all_uses_with(new, delete_user_cb=lambda u: u is not new)
    out = next(n for n in graph.nodes if n.op == "output")
    with graph.inserting_before(out):
        back = graph.call_function(to_float32, (out.args[0],))
    out.args = (back,)


def bf16(gm: fx.GraphModule) -> list[str]:
    params = [*gm.parameters(), *gm.buffers()]
    device = params[0].device if params else torch.device("cpu")
    units = bf16_units(device)
    if units is None and not forced():
        warnings.warn(f"precision='bf16': this {device.type.upper()} has no bf16 units (AVX512-BF16 or "
                      "AMX on CPUs), where bf16 runs slower than float32; keeping float32 "
                      f"(set {FORCE_ENV}=force to cast anyway)", RuntimeWarning)
        return ["kept float32: no bf16 units on this machine"]
    count = _cast_tensors(gm)
    onednn = torch.ops.mkldnn._is_mkldnn_bf16_supported()  # False: below AVX-512, even emulated
    for m in gm.modules():
        if isinstance(m, FusedConv2d):
            m.onednn = onednn
    _convert_boundary(gm)
    finish(gm)
    how = f"on {units}" if units else f"forced by {FORCE_ENV}=force, without bf16 units"
    return [f"{count} weight and constant tensors cast to bf16 ({how}); norm parameters, input "
            "and output stay float32"]
