"""Speed benchmark: fit time, throughput and memory of every strategy.

The code is the package ``benchmarks/speed/`` (what it measures and how to run it: ``speed/cli.py``); this file is its command
line, run from the repository root::

    python benchmarks/speed.py --help
"""

from speed.cli import main  # benchmarks/ is first on sys.path: the package speed/

if __name__ == "__main__":
    main()
