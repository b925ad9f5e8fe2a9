"""The ablations behind the documentation's measured choices (``python benchmarks/ablation.py``).

What they measure and how to run them: :mod:`ablation.cli`. The modules:
:mod:`ablation.studies` (each study: its data, its nets, its variants),
:mod:`ablation.runs` (one fit of a variant on one fold, and the record of
every finished fit), :mod:`ablation.report` (the Markdown reports),
:mod:`ablation.cli` (the command line).
"""
