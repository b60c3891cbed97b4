"""The side-by-side benchmark: resgraph's modules against the eager models a user would write.

It lives in the package (not only in benchmarks/) so that `resgraph bench` works wherever
resgraph is installed; `benchmarks/run.py` is the script form of the same code.
"""
