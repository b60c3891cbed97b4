"""Benchmark resgraph against the eager models: `python benchmarks/run.py resnet50 densenet121`.

The measuring code is `resgraph.bench` (so that `resgraph bench` runs the same code where resgraph
is installed); see `--help` for the options and benchmarks/RESULTS.md for the latest figures.
"""

from resgraph.bench.run import main

if __name__ == "__main__":
    main()
