"""The back end: IR → torch.fx.GraphModule with a module per block (fx.py, nesting.py, tree.py), back
to one flat graph (flatten.py), weight init (init.py), standalone Python (codegen.py) and safe saving
(io.py). See docs/compiler.md."""
