"""The back end: IR → torch.fx.GraphModule (fx.py), weight init (init.py), standalone Python
(codegen.py) and safe saving (io.py). See docs/compiler.md."""
