"""AST → IR: the elaborator, split by what each part does (see statements.py)."""

from .statements import Elaborator, Unit

__all__ = ["Elaborator", "Unit"]
