"""Ablations: the measurements behind the documentation's choices of defaults.

What it measures
----------------
Each *study* (:data:`ablation.studies.STUDIES`) fits variants of one net, each
changing one thing, on the folds of ``benchmarks/uci.py`` (or on a synthetic
check), and compares every variant with the study's reference, fold by fold:

``recipe``
    ``RebalancedNetClassifier()`` as shipped, each part of its recipe changed
    alone (input layer, network, budget, optimizer, schedule, decision rule),
    on ``keel-binary-dev``, next to ``uci.py``'s baselines BalancedRandomForest,
    LightGBM-balanced and LR-balanced: the "Ablation" table of
    ``docs/user_guide/defaults.rst``.
``recipe-long-tail``
    The recipe with the shift ``strategy__tau`` of 1, 1.5, 2, 2.5 on the
    long-tailed protocol (``long-tailed-dev``, IR 50, 3 seeds), with the same
    baselines: the "Long-tailed data and tau" table of the same page.
``class-balanced-beta``, ``class-balanced-beta-large``
    ``class_balanced``'s ``beta`` (0.999, 0.99999, ``"auto"``, none) on
    ``keel-binary-dev`` and on 30,000 rows with 1.2 % positives
    (``docs/user_guide/class_balanced.rst``).
``instance-difficulty-c``, ``instance-difficulty-trace``
    ``instance_difficulty``'s prior ``c`` (0.1, 1, ``"auto"``, none) on
    ``keel-binary-dev``, and its sampling weights epoch by epoch on a 4,000-row
    set (``docs/user_guide/instance_difficulty.rst``).
``cdb-min-rows``, ``cdb-min-rows-400``, ``cdb-min-rows-250``
    ``cdb``'s pooling of small difficulty sets (``min_rows`` 1, 25, 50, 100,
    the training rows as difficulty set, none) on ``keel-binary-dev`` and on an
    imbalanced 3-class check (``docs/user_guide/cdb.rst``).
``ldam-scale``
    ``ldam_drw``'s scale ``s`` (1 to 60) with the linear and the cosine head,
    without margins or without DRW, next to ``none``, post-hoc
    ``logit_adjustment`` and ``balanced_softmax``, on ``keel-binary-dev``, 5 folds
    x 3 repeats (``docs/user_guide/ldam_drw.rst``).

The nets of a fold are seeded with the fold's seed and run torch on one thread,
so results do not depend on ``--n-jobs``.

Output
------
``<out>/<study>.csv``: one row per fit, appended as soon as the fit ends, so a
rerun of the same command skips the fits already there (Ctrl-C or SIGTERM loses
only the fits in progress); ``<out>/<study>.md``: the report (command, machine,
protocol, each variant's mean and paired difference to the reference, ranks of
the reference and the baselines, per data set means). ``--out`` defaults to
``benchmarks/results/ablation``.

How to run (from the repository root)::

    python benchmarks/ablation.py recipe --n-jobs 2            # 1000 fits, ~50 min on 2 busy cores
    python benchmarks/ablation.py recipe-long-tail --n-jobs 2
    python benchmarks/ablation.py class-balanced-beta --n-jobs 2
    python benchmarks/ablation.py instance-difficulty-trace
    python benchmarks/ablation.py recipe --variants recipe no_dropout --datasets pima   # a look
"""

import argparse
import sys
import time
from pathlib import Path

from joblib import Parallel, delayed

import _common
from ablation import report, runs, trace
from ablation.studies import STUDIES

RESULTS = Path(__file__).resolve().parents[1] / "results" / "ablation"
TRACE = "instance-difficulty-trace"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="benchmarks/ablation.py",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("study", choices=[*STUDIES, TRACE])
    p.add_argument("--variants", nargs="+", default=None,
                   help="variants and baselines to run [all of the study's]")
    p.add_argument("--datasets", nargs="+", default=None, help="a subset of the study's data")
    p.add_argument("--n-repeats", type=int, default=None,
                   help="CV repeats, or long-tail seeds [the study's]")
    p.add_argument("--n-jobs", type=int, default=1, help="fits in parallel (processes)")
    p.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    args = p.parse_args(argv)
    if args.study != TRACE:
        study = STUDIES[args.study]
        known = [*study.variants, *study.baselines]
        unknown = [v for v in args.variants or () if v not in known]
        if unknown:
            p.error(f"unknown variant(s) {unknown} of {args.study}; known: {known}")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    command = _common.command_line("ablation.py", argv)
    if args.study == TRACE:
        frame = trace.run()
        frame.to_csv(args.out / f"{TRACE}.csv", index=False)
        text = trace.report(frame, command, f"Machine: {_common.machine_description()}.")
        (args.out / f"{TRACE}.md").write_text(text)
        print(text)
        return frame
    study = STUDIES[args.study]
    datasets, jobs = runs.plan(study, args.datasets, args.n_repeats)
    record = runs.Record(args.out / f"{study.name}.csv", study)
    labels = args.variants or [*study.variants, *study.baselines]
    todo = [(job, label) for label in labels for job in jobs
            if (job.dataset, label, job.repeat, job.fold) not in record.done]
    print(f"{study.name}: {len(todo)} fits to run, {len(record.done)} already in "
          f"{record.path}", flush=True)
    start = time.time()
    with _common.stop_signals():
        try:
            fits = Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(
                delayed(runs.run_fit)(study.name, job, datasets[job.dataset], label)
                for job, label in todo)
            for i, row in enumerate(fits, 1):
                record.append(row)
                if row.get("error"):
                    print(f"  {row['variant']} on {row['dataset']} failed: {row['error']}")
                if i % 25 == 0 or i == len(todo):
                    print(f"  {i}/{len(todo)} fits, {time.time() - start:.0f} s", flush=True)
        except (KeyboardInterrupt, _common.Interrupted):
            print("Interrupted: the finished fits are kept; rerun the same command to resume.")
            raise SystemExit(130)
    frame = record.rows()
    frame = frame[frame.dataset.isin(list(datasets)) & frame.variant.isin(labels)]
    text = report.report(study, frame, command, f"Machine: {_common.machine_description()}.")
    (args.out / f"{study.name}.md").write_text(text)
    print(text)
    return frame


if __name__ == "__main__":
    main()
