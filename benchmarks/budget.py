"""Budget benchmark: the automatic batch size and epochs on large data, rule against rule.

The code is the package ``benchmarks/budget/`` (what it measures and how to run
it: ``budget/cli.py``); this file is its command line, run from the repository
root::

    python benchmarks/budget.py --help
"""

from budget.cli import main  # benchmarks/ is first on sys.path: the package budget/

if __name__ == "__main__":
    main()
