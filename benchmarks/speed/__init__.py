"""The speed benchmark (``python benchmarks/speed.py``).

What it measures and how to run it: :mod:`speed.cli`. The modules:
:mod:`speed.measure` (the data, the estimators, what one fit costs),
:mod:`speed.report` (the targets, the Markdown summary, the CSV files and the
plot), :mod:`speed.cli` (the run and its command line).
"""
