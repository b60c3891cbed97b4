"""The registry's torch counterparts, looked up by call: each op says what it imports
(`OpDef.imports`), and this index only inverts those answers (torch target → the ops to ask)."""

from __future__ import annotations

from typing import Any

from ...ir.ops.base import OpDef
from ...ir.ops.imports import module_key
from ...ir.ops.registry import all_ops


class Readers:
    """torch target (a class, a class's `module_key`, a function, a `torch.Tensor` method) →
    [(op, reader)], in registry order; built once per import, so plugins registered by then count."""

    def __init__(self) -> None:
        self.table: dict[Any, list[tuple[OpDef, Any]]] = {}
        for op in all_ops():
            for key, reader in op.imports().items():
                self.table.setdefault(key, []).append((op, reader))

    def claims(self, cls: type) -> bool:
        """Whether some op imports this module class (it is then traced as one call)."""
        return cls in self.table or module_key(cls) in self.table

    def for_module(self, cls: type) -> list[tuple[OpDef, Any]]:
        return self.table.get(cls) or self.table.get(module_key(cls)) or []

    def for_target(self, target: Any) -> list[tuple[OpDef, Any]]:
        try:
            return self.table.get(target, [])
        except TypeError:  # an unhashable target cannot be a key
            return []
