"""timm's model API on a compiled module (forward_features, forward_head, reset_classifier, ...).

Training scripts, data pipelines and feature extractors written for timm's models ask a model
for these by name. The answers come from the module's IR (`meta["resgraph"]["graph"]`), split by
the convention of `ir/model_parts.py` (a spec overrides it with `option head`, `classifier`,
`features`; docs/python-api.md, "timm's model API"); the parts of `forward` run as functions of the
module itself (`split.py`), so they share its parameters. A model that is not a classifier (FCN,
U-Net) answers the classifier methods with a UsageError saying why; its `pretrained_cfg` and
`set_grad_checkpointing` still work.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import torch
from torch import nn

from ..errors import UsageError
from ..ir import Graph
from ..ir.data_config import data_config
from ..ir.model_parts import ModelParts, model_parts
from . import checkpointing
from .classifier import reset
from .split import Split, split

_splits: WeakKeyDictionary[nn.Module, tuple[tuple[Any, ...], Split]] = WeakKeyDictionary()


class ModelApi:
    """Mixed into `ResgraphModule`: timm's names, answered from the module's IR. The properties are
    `torch.jit.unused`: torch.jit.script compiles every property of a module, and these read Python."""

    def forward_features(self, x, *inputs):
        """The body's output, before the head (for resnet50 at 224x224, [N, 2048, 7, 7])."""
        return _split_of(self, "forward_features").features(self, x, *inputs)

    def forward_head(self, x, pre_logits: bool = False):
        """The head on `forward_features`' output; `pre_logits=True` stops before the classifier
        and returns what it reads as [N, C]. forward_head(forward_features(x)) is forward(x)."""
        cut = _split_of(self, "forward_head")
        return (cut.pre_logits if pre_logits else cut.head)(self, x)

    def reset_classifier(self, num_classes: int, global_pool: Any = None) -> None:
        """A new classifier with `num_classes` outputs, initialized by the model's scheme; 0 makes it
        an identity (the model then returns its pre-logits). save_model writes the new model."""
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 0:
            raise UsageError(f"reset_classifier takes a number of classes >= 0, not {num_classes!r}")
        if global_pool not in (None, "avg"):
            raise UsageError(f"reset_classifier(global_pool={global_pool!r}): the pool is the spec's own",
                             hint="change the pool in the spec; forward_features gives the map before it")
        meta = _meta(self, "reset_classifier")
        if meta["opt_level"] != 0:
            raise UsageError(f"reset_classifier needs the opt level 0 module, not an optimized one (level "
                             f"{meta['opt_level']})", hint="reset the classifier first, then call resgraph.optimize")
        meta["graph"] = reset(self, meta["graph"], _parts(self, "reset_classifier"), num_classes)
        _splits.pop(self, None)

    def get_classifier(self) -> nn.Module:
        """The classifier layer (nn.Identity after reset_classifier(0))."""
        name = _parts(self, "get_classifier").classifier
        if name is None:
            return nn.Identity()
        try:
            return self.get_submodule(name)
        except AttributeError:  # an identity classifier has no module
            return nn.Identity()

    @torch.jit.unused
    @property
    def num_classes(self) -> int:
        return _parts(self, "num_classes").num_classes

    @torch.jit.unused
    @property
    def num_features(self) -> int:
        """Channels of forward_features' output."""
        return _parts(self, "num_features").num_features

    @torch.jit.unused
    @property
    def head_hidden_size(self) -> int:
        """Channels of forward_head(..., pre_logits=True)."""
        return _parts(self, "head_hidden_size").head_hidden_size

    @torch.jit.unused
    @property
    def feature_info(self) -> list[dict[str, Any]]:
        """One dict per feature stage, as timm's: num_chs, reduction, module (its layer or block path)."""
        return [{"num_chs": s.channels, "reduction": s.reduction, "module": s.module}
                for s in _parts(self, "feature_info").stages]

    @torch.jit.unused
    @property
    def pretrained_cfg(self) -> dict[str, Any]:
        """The data config timm.data.resolve_model_data_config reads (input_size, mean, std,
        interpolation, crop_pct), with num_classes, classifier and first_conv as timm's configs have."""
        graph = _meta(self, "pretrained_cfg")["graph"]
        cfg = {**data_config(graph), "crop_mode": "center"}
        first = next((n for n in graph.topo_order() if graph.opdef(n).weighted), None)
        if first is not None:
            cfg["first_conv"] = first
        try:
            parts = model_parts(graph)
        except UsageError:  # not a classifier: the data config alone
            return cfg
        pool = graph.type_of(parts.features).spatial
        if pool and all(s is not None for s in pool):
            cfg["pool_size"] = tuple(pool)
        cfg.update(num_classes=parts.num_classes, classifier=parts.classifier or "")
        return cfg

    @torch.jit.unused
    @property
    def default_cfg(self) -> dict[str, Any]:
        """timm's older name of pretrained_cfg."""
        return self.pretrained_cfg

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Checkpoint each repeated block (torch.utils.checkpoint, use_reentrant=False): their
        activations are recomputed in the backward pass instead of kept. Needs blocks that are
        submodules (opt level 0)."""
        graph = _meta(self, "set_grad_checkpointing")["graph"]
        if enable:
            checkpointing.enable(self, graph)
        else:
            checkpointing.disable(self)
        _splits.pop(self, None)

    @torch.jit.unused
    @property
    def grad_checkpointing(self) -> bool:
        return checkpointing.enabled(self)


def _meta(module, use: str) -> dict[str, Any]:
    meta = getattr(module, "meta", {}).get("resgraph")
    if meta is None or not isinstance(meta.get("graph"), Graph):
        raise UsageError(f"{use} needs a module compiled by resgraph, which holds the graph it was compiled "
                         "from (meta['resgraph'])", hint="call it on the module resgraph.compile returned")
    return meta


def _parts(module, use: str) -> ModelParts:
    return model_parts(_meta(module, use)["graph"], use)


def _split_of(module, use: str) -> Split:
    """The module cut at its head, made once per (graph, code) pair: a recompile makes it again."""
    graph = _meta(module, use)["graph"]
    key = (module.code, graph)
    cached = _splits.get(module)
    if cached is None or cached[0][0] is not key[0] or cached[0][1] is not graph:
        cached = (key, split(module, model_parts(graph, use), graph))
        _splits[module] = cached
    return cached[1]


__all__ = ["ModelApi"]
