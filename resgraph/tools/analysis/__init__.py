"""Know a network before training it: cost, memory, gradient paths and side-by-side comparison.

Everything here is computed from the checked IR (the op registry's `params` and `macs` are the
single source of truth), except gradient norms and timings, which run the compiled module.
"""

from .compare import compare
from .cost import LayerCost, layer_costs
from .memory import inference_peak, training_saved
from .paths import PathStats, path_stats
from .summary import Summary, summarize

__all__ = [
    "LayerCost",
    "PathStats",
    "Summary",
    "compare",
    "inference_peak",
    "layer_costs",
    "path_stats",
    "summarize",
    "training_saved",
]
