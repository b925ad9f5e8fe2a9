"""The sub-class imbalance simulation (``python benchmarks/subclass_simulation.py``).

The analogue of Table 3 of Yu et al. (CVPR 2022) on ``load_digits``; what it
measures and how to run it: :mod:`subclass.cli`. The modules: :mod:`subclass.data`
(the sub-class digits, the Fig. 4 unlearning simulation), :mod:`subclass.runs`
(the nets, fits and metrics), :mod:`subclass.report` (the summary and the
paper's table), :mod:`subclass.cli` (the command line). The names below are the
benchmark's API, which the gallery example and the tests use.
"""

from subclass.data import PROFILES, make_subclass_digits, simulate_unlearning
from subclass.report import paper_comparison, paper_section, summarize, to_markdown
from subclass.runs import (
    METRICS,
    STRATEGIES,
    available_strategies,
    instance_weights,
    make_classifier,
    run,
    run_one,
    weight_ratio,
)

__all__ = [
    "METRICS", "PROFILES", "STRATEGIES", "available_strategies", "instance_weights",
    "make_classifier", "make_subclass_digits", "paper_comparison", "paper_section", "run",
    "run_one", "simulate_unlearning", "summarize", "to_markdown", "weight_ratio",
]
