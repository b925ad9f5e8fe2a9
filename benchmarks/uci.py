"""UCI/KEEL benchmark: which re-balancing strategy to use on data like yours.

What it measures
    Every registered strategy of :class:`skrebalance.RebalancedNetClassifier`
    (same MLP, epochs and optimizer for all) against imbalanced-learn baselines:
    ``LogisticRegression`` plain and ``class_weight="balanced"``, the plain net
    after ``RandomOverSampler`` / ``SMOTE`` / ``RandomUnderSampler`` in an
    imblearn pipeline, and ``BalancedRandomForestClassifier``. Scaling and
    one-hot encoding are fitted inside each pipeline, on training folds only.
    Protocol: repeated stratified k-fold (default 5 folds x 2 repeats, seed 0;
    fewer folds when the smallest class is too small, said in the summary).
    Metrics: accuracy, balanced accuracy, macro-F1, G-mean and (binary sets)
    ROC-AUC. ``--tune`` adds a nested ``GridSearchCV`` (balanced accuracy, 3
    inner folds) over each method's own parameters, declared in
    ``benchmarks/_uci_methods.py``.

Output (``--out DIR``)
    ``store.sqlite`` (the record of every finished job, stored as soon as the job
    finishes, atomically: rerunning with the same ``--out`` skips finished jobs;
    see ``benchmarks/_uci_store.py``), exported as ``folds.csv`` (one row per
    (dataset, method, fold) job), ``config.json`` and ``runs.jsonl``;
    ``summary.md`` (mean ± std, average ranks, Friedman p-values),
    ``cd_<metric>.png`` (critical-difference diagram) and ``bars_<metric>.png``.

Interruption
    Ctrl-C (SIGINT) or SIGTERM stops the run cleanly: the jobs in progress are
    not recorded (a fit cut short never counts as finished), the finished ones
    are kept, the run says how many, and exits with status 130. Rerun the same
    command to resume; a record found damaged on resume is reported and its
    job redone.

How to run (from the repository root)::

    python benchmarks/uci.py --quick --out results-quick          # 15 s on 2 cores
    python benchmarks/uci.py --suite keel-binary-dev --n-jobs 2 --out results-keel
    python benchmarks/uci.py --suite table4 --paper --out results-paper
    python benchmarks/uci.py --suite ecoli1 pima --tune --backend dask   # LocalCluster
    python benchmarks/uci.py --backend dask --scheduler tcp://host:8786 --out ...

With ``--scheduler``, start the workers with one thread each (``dask worker ADDRESS
--nthreads 1 --nworkers N``) in an environment where skrebalance is installed; the
``_uci_*`` helper modules are sent to the scheduler and workers
(``Client.upload_file``).

Results do not depend on ``--n-jobs`` or the backend: every job seeds its own
estimators (``random_state``) and runs torch on one thread.
"""

import argparse
import contextlib
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, parallel_backend
from tqdm.auto import tqdm

# helper modules beside this script (its folder is first on sys.path)
import _common
import _uci_jobs
import _uci_methods
import _uci_report
import _uci_store
from skrebalance.datasets import available_suites, suite_names

DEFAULTS = dict(suite=["keel-binary-dev"], n_splits=5, n_repeats=2, epochs=50,
                hidden_units="64,64", lr=0.01, batch_size=128, methods=None, brf_trees=100)
#: --paper: logistic regression as in Yu et al. (a linear module trained longer,
#: in smaller batches: within 1.5 points of sklearn's LogisticRegression on table4)
PAPER = dict(suite=["table4"], hidden_units="", epochs=100, batch_size=32)
QUICK = dict(DEFAULTS, suite=["ecoli1", "glass", "haberman"], n_splits=3, n_repeats=1,
             epochs=30, brf_trees=50,
             methods=["<strategies>", "LR-balanced", "SMOTE+net", "RUS+net", "BRF"])
#: Settings that define the results; a rerun in the same --out must match them.
PROTOCOL_KEYS = ("n_splits", "n_repeats", "seed", "epochs", "hidden_units", "lr",
                 "batch_size", "device", "brf_trees", "tune", "inner_splits", "paper")


def build_parser():
    p = argparse.ArgumentParser(
        prog="benchmarks/uci.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", nargs="+", metavar="NAME",
                   help=f"suites ({', '.join(available_suites())}) and/or data set names "
                        "[default: keel-binary-dev; table4 with --paper]")
    p.add_argument("--methods", nargs="+", metavar="NAME",
                   help="subset of methods (strategy names, LR, LR-balanced, ROS+net, "
                        "SMOTE+net, RUS+net, BRF) [default: all]")
    p.add_argument("--out", default="results-uci", help="output folder [results-uci]")
    p.add_argument("--quick", action="store_true",
                   help="3 small data sets, 3 folds x 1 repeat, 30 epochs, every strategy "
                        "and 4 baselines (well under a minute on 2 cores)")
    p.add_argument("--paper", action="store_true",
                   help="Yu et al. Table 4 replication: none, class_balanced and "
                        "instance_difficulty with a linear module (hidden units ())")
    p.add_argument("--paper-table", metavar="CSV",
                   help="Yu et al.'s Table 4 numbers (columns dataset,Base,CB,Ours) to "
                        "print next to ours")
    p.add_argument("--n-splits", type=int, help="folds per repeat [5]")
    p.add_argument("--n-repeats", type=int, help="repeats [2]")
    p.add_argument("--seed", type=int, default=0, help="seed of folds and estimators [0]")
    p.add_argument("--epochs", type=int, help="epochs of every net [50; 100 with --paper]")
    p.add_argument("--hidden-units", help="MLP widths, comma separated; '' = linear [64,64]")
    p.add_argument("--lr", type=float, help="Adam learning rate [0.01]")
    p.add_argument("--batch-size", type=int, help="batch size [128; 32 with --paper]")
    p.add_argument("--device", default="cpu", help="torch device of the nets [cpu]")
    p.add_argument("--brf-trees", type=int, help="trees of BalancedRandomForest [100]")
    p.add_argument("--tune", action="store_true",
                   help="nested CV: GridSearchCV over each method's own parameters")
    p.add_argument("--inner-splits", type=int, default=3, help="inner folds of --tune [3]")
    p.add_argument("--metric", default=None, choices=_uci_jobs.METRICS,
                   help="metric of the CD diagram and bar chart "
                        "[balanced_accuracy; accuracy with --paper]")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel jobs (joblib) [1]")
    p.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="joblib backend; dask without --scheduler starts a LocalCluster")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    p.add_argument("--report-only", action="store_true",
                   help="only rebuild summary and plots from folds.csv")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def resolve_options(opts):
    """Fill unset options from the --quick / --paper / full defaults."""
    base = dict(QUICK if opts.quick else DEFAULTS)
    if opts.paper:
        keep = ("suite", "epochs") if opts.quick else ()
        base.update({k: v for k, v in PAPER.items() if k not in keep})
    for key, value in base.items():
        if getattr(opts, key) is None:
            setattr(opts, key, value)
    opts.metric = opts.metric or ("accuracy" if opts.paper else "balanced_accuracy")
    opts.hidden_units = tuple(int(u) for u in str(opts.hidden_units).split(",") if u.strip())
    if opts.scheduler and opts.backend != "dask":
        raise SystemExit("--scheduler needs --backend dask.")
    for name in ("n_splits", "n_repeats", "epochs", "inner_splits"):
        if getattr(opts, name) < 1 or (name.endswith("splits") and getattr(opts, name) < 2):
            raise SystemExit(f"--{name.replace('_', '-')} is too small: {getattr(opts, name)}.")
    return opts


def dataset_names(tokens):
    names = []
    for token in tokens:
        is_suite = token.lower() in available_suites()
        names += suite_names(token) if is_suite else suite_names([token])
    return list(dict.fromkeys(names))


def methods_for(opts):
    methods = _uci_methods.all_methods(paper=opts.paper)
    wanted = opts.methods
    if wanted and "<strategies>" in wanted:
        strategies = [m.name for m in methods if m.family == "strategy"]
        wanted = strategies + [w for w in wanted if w != "<strategies>"]
    return _uci_methods.select_methods(methods, wanted)


def check_protocol(store, opts):
    """Store the settings on the first run; refuse to mix settings in one --out."""
    protocol = {k: getattr(opts, k) for k in PROTOCOL_KEYS}
    protocol["hidden_units"] = list(protocol["hidden_units"])
    old = store.config()
    if old is None:
        store.set_config(protocol)
        return
    diff = {k: (old.get(k), v) for k, v in protocol.items() if old.get(k) != v}
    if diff:
        raise SystemExit(
            f"{store.folder} holds results of other settings {diff} (old, new): use another "
            "--out, or the same settings to resume.")


def open_store(out):
    """The result store of ``out``; what was found damaged in it is printed."""
    store = _uci_store.ResultStore(out, _uci_jobs.KEY, _uci_jobs.COLUMNS,
                                   text_columns=("best_params", "error"))
    for problem in store.problems:
        print(f"warning: {problem}")
    return store


@contextlib.contextmanager
def parallel_context(opts):
    """joblib backend for the jobs; yields the n_jobs to give Parallel."""
    if opts.backend != "dask":
        yield opts.n_jobs
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if opts.scheduler:
        client = Client(opts.scheduler)
    else:
        workers = opts.n_jobs if opts.n_jobs > 0 else os.cpu_count()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    # the scheduler and workers need skrebalance installed, not this folder
    for module in (_common, _uci_methods, _uci_jobs):  # dependencies first: load=True imports
        client.upload_file(module.__file__)
    threads = client.nthreads()
    if any(n > 1 for n in threads.values()):
        print("warning: Dask workers with several threads run fits concurrently in one "
              "process; the nets seed torch's global random generator, so results may "
              "differ from a sequential run. Start workers with `--nthreads 1`.")
    try:
        with parallel_backend("dask"):
            yield -1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_jobs(jobs, datasets, settings, opts, store):
    """Run the jobs in parallel; each row is stored when its job ends.

    Returns the number of failed jobs. SIGINT/SIGTERM raise ``KeyboardInterrupt``
    (between jobs) or ``_common.Interrupted`` (during one).
    """
    with parallel_context(opts) as n_jobs:
        rows = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_uci_jobs.run_job)(job, datasets[job.dataset].X, datasets[job.dataset].y,
                                       settings, opts.tune, opts.inner_splits)
            for job in jobs)
        failed = 0
        with tqdm(total=len(jobs), unit="job", disable=opts.no_progress,
                  desc="uci benchmark") as bar:
            for row in rows:
                store.append(row)
                failed += bool(row["error"])
                bar.update()
    return failed


def protocol_text(opts, settings):
    net = (f"MLP hidden units {settings.hidden_units or '() (linear)'}, {settings.epochs} "
           f"epochs, Adam lr {settings.lr}, batch {settings.batch_size}, {settings.device}")
    return (f"Protocol: RepeatedStratifiedKFold {opts.n_splits} folds x {opts.n_repeats} "
            f"repeats, seed {opts.seed}; nets: {net}; BalancedRandomForest "
            f"{settings.brf_trees} trees; tuning: "
            + (f"nested GridSearchCV, {opts.inner_splits} inner folds, balanced accuracy."
               if opts.tune else "none (default parameters)."))


def run_and_record(pending, jobs, datasets, settings, opts, store, command):
    """Run the pending jobs and store the run; on SIGINT/SIGTERM stop cleanly.

    Returns the number of failed jobs; after an interruption, says what finished
    and exits with status 130.
    """
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    failed, interrupted = 0, ""
    with _common.stop_signals() as received:
        try:
            failed = run_jobs(pending, datasets, settings, opts, store)
        except (KeyboardInterrupt, _common.Interrupted) as exc:
            interrupted = (received or [str(exc) or type(exc).__name__])[0]
    done = store.finished()
    ran = sum(job.key in done for job in pending)
    store.add_run(dict(
        command=command, started=started.strftime("%Y-%m-%d %H:%M UTC"),
        wall_time_s=round(time.perf_counter() - clock, 1), jobs_run=ran, jobs_failed=failed,
        n_jobs=opts.n_jobs, interrupted=bool(interrupted),
        backend=opts.backend if not opts.scheduler else f"dask {opts.scheduler}"))
    if not interrupted:
        return failed
    store.export()
    store.close()
    stored = sum(job.key in done for job in jobs)
    print(f"Interrupted ({interrupted}): {ran} of {len(pending)} pending jobs finished in this "
          f"run; {stored} of {len(jobs)} jobs are stored in {store.path}. The jobs in progress "
          "were not recorded. Rerun the same command to resume.")
    raise SystemExit(130)


def main(argv=None):
    """Run the benchmark; returns a dict with the jobs run/skipped and the paths."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    opts = resolve_options(parser.parse_args(argv))
    try:
        names, methods = dataset_names(opts.suite), methods_for(opts)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(out)
    check_protocol(store, opts)
    settings = _uci_methods.NetSettings(
        epochs=opts.epochs, hidden_units=opts.hidden_units, lr=opts.lr,
        batch_size=opts.batch_size, device=opts.device, brf_trees=opts.brf_trees)
    datasets, notes = _uci_jobs.load_datasets(names, opts.n_splits)
    for note in notes:
        print(f"note: {note}")
    notes += store.problems
    jobs = _uci_jobs.plan_jobs(datasets, methods, opts.n_repeats, opts.seed)
    done = store.finished()
    pending = [job for job in jobs if job.key not in done]
    command = _common.command_line("uci.py", argv)
    failed = 0
    if not opts.report_only and pending:
        print(f"{len(pending)} jobs to run, {len(jobs) - len(pending)} already in "
              f"{store.path}: {len(datasets)} data sets x {len(methods)} methods.")
        failed = run_and_record(pending, jobs, datasets, settings, opts, store, command)
    store.export()
    results = store.results()
    keys = {job.key for job in jobs}
    mask = [k in keys for k in zip(results["dataset"], results["method"],
                                   results["repeat"].astype(int), results["fold"].astype(int))]
    results = results.loc[np.asarray(mask, dtype=bool)]
    missing = len(keys) - len(results)
    if missing:
        notes.append(f"{missing} of {len(keys)} jobs have no result (failed or not run; "
                     "rerun the same command to retry them; errors are in folds.csv).")
    paper_numbers = None
    if opts.paper_table:
        import pandas as pd

        table = pd.read_csv(opts.paper_table)
        paper_numbers = {str(r["dataset"]): r.to_dict() for _, r in table.iterrows()}
    meta = dict(
        title="UCI/KEEL benchmark: " + ", ".join(opts.suite)
              + (" (paper replication)" if opts.paper else ""),
        primary=opts.metric, metrics=_uci_jobs.METRICS, runs=store.runs(), notes=notes,
        protocol=protocol_text(opts, settings), paper=opts.paper, paper_numbers=paper_numbers,
        machine=f"{platform.machine()}, {os.cpu_count()} CPU cores")
    ranks = _uci_report.write_report(str(out), results, datasets,
                                     [m.name for m in methods], meta)
    store.close()
    print(f"Summary: {out / 'summary.md'}")
    if ranks is not None:
        print(f"Average ranks ({opts.metric}):")
        for name, rank in ranks.sort_values().items():
            print(f"  {rank:5.2f}  {name}")
    return dict(jobs_run=0 if opts.report_only else len(pending), jobs_total=len(jobs),
                failed=failed, out=str(out), ranks=ranks)


if __name__ == "__main__":
    main()
