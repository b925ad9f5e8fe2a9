"""Sub-class imbalance simulation: the analogue of Table 3 of Yu et al. (CVPR 2022).

What it measures
----------------
Yu et al. argue that instance difficulty re-balances *inside* a class, where
class-level methods cannot: a class made of a frequent and a rare sub-population
stays imbalanced under class re-weighting. This script builds such data from
scikit-learn's ``load_digits`` (offline):

* the task is **even vs odd** (class 0 = digits 0, 2, 4, 6, 8; class 1 = the odd
  digits); the model only sees this binary label;
* each class is made of 5 **sub-classes** (its digits) with a long-tailed
  profile: per seed the digits of a class are shuffled and the ``r``-th keeps
  ``n_max * subclass_ratio ** (-r / 4)`` training images;
* the odd class is the minority: its largest sub-class has
  ``n_max / class_ratio`` images;
* the test set is a stratified, balanced hold-out (40 % of every digit, drawn
  before the long-tailed training subset).

``--profile paper`` follows the paper's protocol instead: one long-tailed
profile over the digits in their order (digit ``d`` keeps
``n_max * 100 ** (-d / 9)`` images, rounded: 100, 60, 36, 22, 13, 8, 5, 3, 2, 1
of ``load_digits``, where MNIST gives the paper 6000 ... 60), so that the even class is the majority by a
factor of about 1.7, the majority sub-classes are 0, 2 (even) and 1, 3 (odd)
and the minority ones 4, 6, 8 and 5, 7, 9.

An MLP is trained with ``strategy="none"``, ``"class_balanced"`` and
``"instance_difficulty"`` over several seeds. Reported, mean and std over seeds:

* accuracy overall, per class (recall of even / odd), on the *majority*
  sub-classes (the 2 largest of each class, by training count) and on the
  *minority* sub-classes (the 3 smallest of each class), pooled and per class,
  all on the test set;
* ``class_ratio`` and ``subclass_ratio``: the ratio of the summed sampling
  weights of the largest to the smallest class (sub-class, over all 10) on the
  training set after re-weighting, the paper's "Class Ratio" / "Sub-Class
  Ratio" columns; ``within_class_ratio``: the same ratio over the sub-classes
  of one class, averaged over the two classes (what class-level weighting
  cannot change).
  The effective weight of an instance is uniform for ``none``, its class weight
  for ``class_balanced`` and its final sampling weight :math:`w_i` for
  ``instance_difficulty``. Without re-weighting they are the count ratios.

Strategies that are not registered (yet) are skipped with a message.

The summary ends with the paper's Table 3
(``benchmarks/paper_tables/yu2022_table3.csv``) next to ours, Base / Class-Balance
/ Our Approach being ``none`` / ``class_balanced`` / ``instance_difficulty``:
the gains of each method over the others in the paper and here (accuracy
points; the ratios as factors), in how many cells both go the same way, and
the best method per column (:mod:`paper_tables`). The paper trains on MNIST,
we on the 8x8 digits, so compare the patterns.

How to run
----------
::

    python benchmarks/subclass_simulation.py                   # default, ~1-2 min on 2 cores
    python benchmarks/subclass_simulation.py --seeds 0 1 --epochs 20 --out-dir /tmp/x
    python benchmarks/subclass_simulation.py --profile paper \
        --out-dir benchmarks/results/subclass_simulation_paper_profile
    # three times the images (UCI optdigits, the same 8x8 format): the paper's MNIST is larger
    python benchmarks/subclass_simulation.py --profile paper --data optdigits --n-max 300 \
        --out-dir benchmarks/results/subclass_simulation_optdigits

Results are written as CSV (one row per strategy and seed) and as a Markdown
summary (mean ± std) to ``benchmarks/results/subclass_simulation.{csv,md}``.

The code: this command line; the data in ``benchmarks/subclass/data.py``, the
nets, fits and metrics in ``benchmarks/subclass/runs.py``, the summary and
Table 3 in ``benchmarks/subclass/report.py``.
"""

import argparse
import sys
from pathlib import Path

# the shared core and this package's modules, by name (benchmarks/ is on sys.path)
from _common import command_line, torch_threads
from subclass.data import DATA, PROFILES
from subclass.report import summarize, to_markdown
from subclass.runs import STRATEGIES, run

RESULTS = Path(__file__).resolve().parents[1] / "results"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--c", type=float, default=None, help="instance_difficulty's prior c")
    parser.add_argument("--profile", choices=PROFILES, default="per-class",
                        help="long-tailed sub-classes per class, or the paper's one profile "
                             "over the digits 0..9 [per-class]")
    parser.add_argument("--data", choices=DATA, default="digits",
                        help="the images: load_digits (1,797) or optdigits (5,620, the same "
                             "8x8 format) [digits]")
    parser.add_argument("--n-max", type=int, default=100,
                        help="training images of the largest sub-class [100]")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    with torch_threads(1):
        results = run(args.strategies, args.seeds, args.epochs, args.c, profile=args.profile,
                      images=args.data, n_max=args.n_max)
    table = summarize(results)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out_dir / "subclass_simulation.csv", index=False)
    markdown = to_markdown(table, command_line("subclass_simulation.py", argv),
                           len(args.seeds), results, args.profile, args.data, args.n_max)
    (args.out_dir / "subclass_simulation.md").write_text(markdown)
    print(markdown)
    return results


if __name__ == "__main__":
    main()
