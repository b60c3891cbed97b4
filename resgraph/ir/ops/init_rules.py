"""PyTorch's default inits, restated so that they can draw from a `torch.Generator`.

`reset_parameters()` draws from the global RNG; a seeded compile draws from a generator of its own
instead, so the same seed gives the same weights in any thread and the caller's random streams are
left alone. Ops use these as their `OpDef.init`; torch is imported inside the functions so that
importing the registry stays torch-free.
"""

from __future__ import annotations

import math
from typing import Any


def weighted_default(m: Any, generator: Any) -> None:
    """`Conv2d`/`Linear.reset_parameters`: weight kaiming_uniform_(a=sqrt(5)), bias U(±1/sqrt(fan_in))."""
    from torch import nn

    nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
    if m.bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(m.bias, -bound, bound, generator=generator)


def norm_default(m: Any, generator: Any) -> None:
    """`BatchNorm*d.reset_parameters`: running mean 0, variance 1, no batches seen; weight 1, bias 0."""
    from torch import nn

    if m.track_running_stats:
        m.running_mean.zero_()
        m.running_var.fill_(1)
        m.num_batches_tracked.zero_()
    if m.affine:
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
