"""Inference pass: average-pool before a 1x1 convolution instead of after it.

A 1x1 convolution with stride 1 and no padding is the same affine map at every pixel, and an
average pool without padding takes weighted means whose weights sum to one, so the two commute
exactly (up to float rounding). Pooling first runs the convolution on a map with kernel² fewer
pixels: a DenseNet transition (`conv 1x1 -> avgpool 2`) does a quarter of its multiply-adds.
"""

from __future__ import annotations

from torch import fx, nn

from .fx_match import finish, module_of, single_user


def _pointwise(conv: nn.Module | None) -> bool:
    return (type(conv) is nn.Conv2d and conv.kernel_size == (1, 1) and conv.stride == (1, 1)
            and not isinstance(conv.padding, str) and not any(conv.padding))


def _plain_average(pool: nn.Module | None) -> bool:
    if type(pool) is not nn.AvgPool2d or pool.divisor_override is not None:
        return False
    pad = pool.padding if isinstance(pool.padding, tuple) else (pool.padding,)
    return not any(pad)


def pool_first(gm: fx.GraphModule) -> list[str]:
    changes = []
    for conv in [n for n in gm.graph.nodes if _pointwise(module_of(gm, n))]:
        pool = single_user(conv)
        if pool is None or not _plain_average(module_of(gm, pool)) or pool.args != (conv,) or pool.kwargs:
            continue
        source = conv.args[0]
        pool.replace_all_uses_with(conv)
        pool.args = (source,)
        conv.args = (pool,)
        pool.append(conv)  # conv now runs right after the pool
        pool.meta.pop("resgraph_node", None)  # the pool's IR type (channels, size) no longer fits it
        conv.meta.pop("resgraph_op", None)  # nor the conv's its output (pooled): no IR type vouches for it
        for moved in (pool, conv):
            moved.meta.pop("tensor_meta", None)
        k = module_of(gm, pool).kernel_size
        shrink = k * k if isinstance(k, int) else k[0] * k[1]
        changes.append(f"{pool.target} moved before {conv.target} ({shrink}x fewer conv multiply-adds)")
    finish(gm)
    return changes
