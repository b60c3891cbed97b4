"""AST → IR, in parts named for what they do (dependencies point down the list):

statements.py  Elaborator: a model's statements, each dispatched to visit_<AST class>
chains.py      chains, merges, groups, conditionals in chains, block instances
params.py      model parameters and block arguments, bound by one rule
forward.py     values used before their line, and size queries like x.channels
names.py       labels, name templates, fresh names; each path claimed once
frames.py      the data walked: Unit (a file), Frame (a namespace), Pending (a name used early)
failures.py    one marker for "failed already, reported", and the error log
budget.py      the limits, and the step/layer/edge budget that refuses runaway loops early
"""

from .frames import Unit
from .statements import Elaborator

__all__ = ["Elaborator", "Unit"]
