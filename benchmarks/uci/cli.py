"""UCI/KEEL benchmark: which re-balancing strategy to use on data like yours.

What it measures
    Every registered strategy of :class:`skrebalance.RebalancedNetClassifier`
    (same MLP, epochs and optimizer for all), ``RebalancedNetClassifier()`` with
    the package's own defaults (``default``), and baselines: ``LogisticRegression``
    plain and ``class_weight="balanced"``, the plain net after
    ``RandomOverSampler`` / ``SMOTE`` / ``RandomUnderSampler`` in an imblearn
    pipeline, ``BalancedRandomForestClassifier``, LightGBM with
    ``class_weight="balanced"`` and, in full runs, pytabkit's
    ``RealMLP_TD_Classifier`` (left out with a note when pytabkit is not
    installed); see ``benchmarks/uci/methods.py``. Scaling and one-hot encoding
    are fitted inside each pipeline, on training rows only.

    Protocols: ``cv`` (default), repeated stratified k-fold (5 folds x 2
    repeats, seed 0; fewer folds when the smallest class is too small, said in
    the summary); ``long-tailed``, each class of the training pool cut to the
    profile ``n_i = n_max (1/IR)^(i/(k-1))`` (``--imbalance-ratio``, class order
    shuffled per seed) with a balanced test set, several seeds
    (``--n-repeats``), see ``benchmarks/uci/jobs.py``.

    Metrics: accuracy, balanced accuracy, macro-F1, G-mean, on binary sets
    ROC-AUC and the average precision of the minority class, with the
    long-tailed protocol the accuracy on the many-, medium- and few-shot thirds
    of the classes; the fit time of every fit. ``--tune`` adds a nested
    ``GridSearchCV`` (balanced accuracy, 3 inner folds) over each method's own
    parameters.

    ``--paper`` replicates Yu et al.'s Table 4 (CVPR 2022: ``none``,
    ``class_balanced`` and ``instance_difficulty`` with a linear module on the
    ``table4`` suite) and prints the paper's numbers
    (``benchmarks/paper_tables/yu2022_table4.csv``) next to ours with the
    patterns: who beats whom on how many data sets, by how much (see
    ``benchmarks/uci/paper.py``).

Output (``--out DIR``)
    ``store.sqlite`` (the record of every finished job, stored as soon as the job
    finishes, atomically: rerunning with the same ``--out`` skips finished jobs;
    see ``benchmarks/uci/store.py``), exported as ``folds.csv`` (one row per
    job), ``config.json`` and ``runs.jsonl``; ``summary.md``: per suite (per
    ratio with the long-tailed protocol), mean ± std of every metric and of the
    fit time, average ranks with Friedman p-values, Wilcoxon-Holm and Nemenyi
    pairwise tests with ``pairwise_<metric>.csv``, critical-difference diagrams
    ``cd_<metric>.png`` (Nemenyi) and ``cd_wilcoxon_<metric>.png``, and
    ``bars_<metric>.png`` (file names carry the suite when there are several).

Interruption
    Ctrl-C (SIGINT) or SIGTERM stops the run cleanly: the jobs in progress are
    not recorded (a fit cut short never counts as finished), the finished ones
    are kept, the run says how many, and exits with status 130. Rerun the same
    command to resume; a record found damaged on resume is reported and its
    job redone.

How to run (from the repository root)::

    python benchmarks/uci.py --quick --out results-quick          # ~1 min on 2 cores
    python benchmarks/uci.py --suite keel-binary-dev --n-jobs 2 --out results-keel
    python benchmarks/uci.py --protocol long-tailed --n-jobs 2 --out results-lt
    python benchmarks/uci.py --suite table4 --paper --out results-paper
    python benchmarks/uci.py --suite ecoli1 pima --tune --backend dask   # LocalCluster
    python benchmarks/uci.py --backend dask --scheduler tcp://host:8786 --out ...

With ``--scheduler``, start the workers with one thread each (``dask worker ADDRESS
--nthreads 1 --nworkers N``) in an environment where skrebalance is installed; the
helper modules the jobs need are sent to the scheduler and workers
(``Client.upload_file``).

Results do not depend on ``--n-jobs`` or the backend: every job seeds its own
estimators (``random_state``) and runs torch on one thread.
"""

import contextlib
import os
import platform
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, parallel_backend
from tqdm.auto import tqdm

# the shared core and this package's modules, by name (benchmarks/ is on sys.path)
import _common
import uci.jobs
import uci.methods
import uci.options
import uci.paper
import uci.report
import uci.stats
import uci.store


def check_protocol(store, opts):
    """Store the settings on the first run; refuse to mix settings in one --out."""
    protocol = uci.options.protocol(opts)
    old = store.config()
    if old is None:
        store.set_config(protocol)
        return
    was = {k: old.get(k, default) for k, default in uci.options.PROTOCOL_KEYS.items()}
    diff = {k: (was[k], v) for k, v in protocol.items() if was[k] != v}
    if diff:
        raise SystemExit(
            f"{store.folder} holds results of other settings {diff} (old, new): use another "
            "--out, or the same settings to resume.")


def open_store(out):
    """The result store of ``out``; what was found damaged in it is printed."""
    store = uci.store.ResultStore(out, uci.jobs.KEY, uci.jobs.COLUMNS,
                                   text_columns=("best_params", "error"))
    for problem in store.problems:
        print(f"warning: {problem}")
    return store


def load_and_plan(opts, groups, methods):
    """The data sets, their groups (suites or ratios), the jobs and notes on the data."""
    names = list(dict.fromkeys(n for group in groups.values() for n in group))
    if opts.protocol == "long-tailed":
        datasets, groups = uci.jobs.load_long_tailed(names, opts.imbalance_ratio)
        return datasets, groups, uci.jobs.plan_long_tailed_jobs(
            datasets, methods, opts.n_repeats, opts.seed), []
    datasets, notes = uci.jobs.load_datasets(names, opts.n_splits)
    groups = {g: [n for n in group if n in datasets] for g, group in groups.items()}
    return datasets, groups, uci.jobs.plan_jobs(datasets, methods, opts.n_repeats,
                                                 opts.seed), notes


def job_modules_zip(folder):
    """The modules a job imports (``_common`` and this package) zipped in ``folder``.

    ``Client.upload_file`` sends one file; a package travels as a zip, which Dask
    puts on the workers' ``sys.path``.
    """
    package = Path(__file__).resolve().parent
    path = Path(folder) / "skrebalance_uci_jobs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(package.parent / "_common.py", "_common.py")
        for module in sorted(package.glob("*.py")):
            archive.write(module, f"{package.name}/{module.name}")
    return path


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
    with tempfile.TemporaryDirectory() as folder:
        client.upload_file(str(job_modules_zip(folder)))
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
            delayed(uci.jobs.run_job)(job, datasets[job.dataset].X, datasets[job.dataset].y,
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
    parser = uci.options.build_parser(__doc__.split("\n\n")[0])
    opts = uci.options.resolve_options(parser.parse_args(argv))
    try:
        groups = uci.options.dataset_groups(opts.suite)
        methods, method_notes = uci.options.methods_for(opts)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(out)
    check_protocol(store, opts)
    settings = uci.methods.NetSettings(
        epochs=opts.epochs, hidden_units=opts.hidden_units, lr=opts.lr,
        batch_size=opts.batch_size, device=opts.device, brf_trees=opts.brf_trees,
        package_recipe=opts.net_recipe == "package", paper=opts.paper,
        label_noise=opts.label_noise, raw_inputs=opts.raw_inputs)
    datasets, groups, jobs, notes = load_and_plan(opts, groups, methods)
    notes = method_notes + notes
    for note in notes:
        print(f"note: {note}")
    notes += store.problems
    done = store.finished()
    pending = [job for job in jobs if job.key not in done]
    failed = 0
    if not opts.report_only and pending:
        print(f"{len(pending)} jobs to run, {len(jobs) - len(pending)} already in "
              f"{store.path}: {len(datasets)} data sets x {len(methods)} methods.")
        failed = run_and_record(pending, jobs, datasets, settings, opts, store,
                                _common.command_line("uci.py", argv))
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
    paper = uci.paper.read_table(opts.paper_table) if opts.paper or opts.paper_table else None
    meta = dict(
        title="UCI/KEEL benchmark: " + ", ".join(opts.suite)
              + (" (paper replication)" if opts.paper else "")
              + (" (long-tailed protocol)" if opts.protocol == "long-tailed" else ""),
        primary=opts.metric, metrics=uci.jobs.METRICS, runs=store.runs(), notes=notes,
        protocol=uci.options.protocol_text(opts, settings), paper_table=paper, groups=groups,
        long_tailed=opts.protocol == "long-tailed",
        machine=f"{platform.machine()}, {os.cpu_count()} CPU cores")
    ranks = uci.report.write_report(str(out), results, datasets,
                                     [m.name for m in methods], meta)
    store.close()
    print(f"Summary: {out / 'summary.md'}")
    if paper is not None:
        means, stds = uci.stats.mean_std(results, "accuracy", [m.name for m in methods],
                                          [n for n in datasets if n in set(results["dataset"])])
        print("Yu et al. (CVPR 2022) Table 4 next to ours, accuracy (%):")
        print("\n".join(uci.paper.section(means, stds, paper)))
    for group, group_ranks in ranks.items():
        print(f"Average ranks ({opts.metric}{', ' + group if len(ranks) > 1 else ''}):")
        for name, rank in group_ranks.sort_values().items():
            print(f"  {rank:5.2f}  {name}")
    return dict(jobs_run=0 if opts.report_only else len(pending), jobs_total=len(jobs),
                failed=failed, out=str(out), ranks=ranks)


if __name__ == "__main__":
    main()
