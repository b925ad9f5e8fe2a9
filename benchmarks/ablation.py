"""Ablations: the measurements behind the documentation's choices of defaults.

The code is the package ``benchmarks/ablation/`` (what it measures and how to run
it: ``ablation/cli.py``); this file is its command line, run from the repository
root::

    python benchmarks/ablation.py --help
"""

from ablation.cli import main  # benchmarks/ is first on sys.path: the package ablation/

if __name__ == "__main__":
    main()
