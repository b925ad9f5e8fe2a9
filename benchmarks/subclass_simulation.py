"""Sub-class imbalance simulation: the analogue of Table 3 of Yu et al. (CVPR 2022).

The code is the package ``benchmarks/subclass/`` (what it measures and how to run it: ``subclass/cli.py``); this file is its command
line, run from the repository root::

    python benchmarks/subclass_simulation.py --help
"""

from subclass.cli import main  # benchmarks/ is first on sys.path: the package subclass/

if __name__ == "__main__":
    main()
