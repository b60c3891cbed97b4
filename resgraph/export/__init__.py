"""Front doors out of resgraph: ONNX files, torch.export programs and TorchScript.

Level-0 modules and the portable level 1 (`resgraph.optimize(m, opt_level=1, portable=True)`)
export; the runtime-only level 1 and level 2 do not, and say so (optimization.runtime_only).
"""

from .onnx_file import OnnxFile, to_onnx
from .torch_formats import export_program, script, trace

__all__ = ["OnnxFile", "export_program", "script", "to_onnx", "trace"]
