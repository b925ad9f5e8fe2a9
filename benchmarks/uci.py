"""UCI/KEEL benchmark: which re-balancing strategy to use on data like yours.

The code is the package ``benchmarks/uci/`` (what it measures and how to run it: ``uci/cli.py``); this file is its command
line, run from the repository root::

    python benchmarks/uci.py --help
"""

from uci.cli import main  # benchmarks/ is first on sys.path: the package uci/

if __name__ == "__main__":
    main()
