"""The UCI/KEEL quality benchmark (``python benchmarks/uci.py``).

What it measures and how to run it: :mod:`uci.cli`. The modules, each one concern:
:mod:`uci.options` (the command line's options and the protocol they fix),
:mod:`uci.methods` (every compared method as an estimator, and its grid),
:mod:`uci.jobs` (the data, the plan of fits, one fit and its scores),
:mod:`uci.store` (the crash-safe SQLite record of finished jobs),
:mod:`uci.stats` (ranks and the statistical tests), :mod:`uci.report` (the
Markdown summary and the figures), :mod:`uci.paper` (Yu et al.'s Table 4 next to
ours), :mod:`uci.cli` (the run). This file imports nothing, so that a Dask worker
unpickling a job loads only :mod:`uci.jobs` and what it needs.
"""
