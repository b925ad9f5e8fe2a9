"""Speed benchmark: fit time, throughput and memory of every strategy against plain
skorch and scikit-learn's ``MLPClassifier`` (issue 7).

What it measures
----------------
For each data set and each *method* the wall-clock time of ``fit`` (median over
``--repeats``), the training throughput (rows x epochs / second), the ratio of
that time to plain skorch, to ``MLPClassifier`` and to ``strategy="none"``, the
peak memory of the fit and the size of the fitted strategy state. Methods:

* ``RebalancedNetClassifier`` with every registered strategy
  (:func:`skrebalance.strategies.available`, so strategies that land later are
  picked up by a re-run);
* ``skorch_plain``: skorch's ``NeuralNetClassifier`` with the same module
  (:class:`skrebalance.MLP`, ``n_features``/``n_classes`` set), criterion
  (cross-entropy on logits), optimizer (Adam, same ``lr``), epochs, batch size,
  ``train_split=None`` and ``iterator_train__shuffle=True``; it gets float32 /
  int64 numpy arrays and uses skorch's ``DataLoader`` path as users would;
* ``sklearn_mlp``: scikit-learn's ``MLPClassifier`` with the same hidden sizes,
  ``solver="adam"``, ``learning_rate_init=lr``, ``alpha=0`` (no L2, as Adam in
  torch), ``batch_size``, ``max_iter=epochs``, ``tol=0``,
  ``n_iter_no_change > epochs`` and no early stopping, so it runs exactly
  ``epochs`` epochs (the run checks ``n_iter_``).

All methods get the same float32 ``X`` / int64 ``y``. Repeats are interleaved
(A B C ... A B C ...) in one process so that the drift of a shared machine
falls on every method alike; one untimed warm-up fit per method comes first.

Data: synthetic ``make_classification`` sets, imbalanced (2 classes: 9:1;
``k`` classes: geometric long tail with ``--imbalance`` as the ratio of the
largest to the smallest class), for every size in ``--sizes`` and every class
count in ``--classes``, with ``--n-features`` features; plus one real KEEL set
(``--real``, default ``magic``, the 19,020 x 10 set of the issue's reference
timings) through :func:`skrebalance.datasets.load_dataset`, standardised
outside the timed region (skipped with a message when unavailable).

On CUDA the baselines are kept: ``skorch_plain`` runs on the GPU too (skorch's
CPU ``DataLoader`` plus one host-to-device copy per batch, as users run it),
while ``sklearn_mlp`` has no GPU path and runs on the CPU, so on CUDA its ratio
reads "how much faster than scikit-learn on this machine's CPU". Drop either
with ``--methods``.

Threads
-------
``--threads`` (default 1) sets torch's intra-op threads and, through
threadpoolctl, numpy's BLAS threads used by ``MLPClassifier``. At batch 128 a
64-64 MLP gains nothing from more threads (on a quiet 16-core machine one
thread was the fastest for every method), and on a busy machine idle-waiting
OpenMP threads make torch many times slower (36x on the 2 shared cores this was
written on). ``--threads 0`` keeps the libraries' defaults.

Measurements and targets
------------------------
What one fit's time, memory, strategy state and host synchronisations are, and
how they are measured: ``benchmarks/speed/measure.py``. The targets of issue 7
(``speed_vs_baselines``, ``strategy_overhead``, ``linear_scaling``,
``state_memory``, ``batch_loop_syncs``), each printed as PASS/FAIL with the
measured ratios: ``benchmarks/speed/report.py``.

How to run
----------
::

    # default: sizes 1e4 1e5, 2 and 10 classes, 3 epochs, 3 repeats, 1 thread
    # (about 5 minutes on 2 busy cores)
    python benchmarks/speed.py
    # GPU, the issue's 1e6 / batch 1024 figure (about 9 minutes on an H100
    # machine, most of it plain skorch's DataLoader at 1e6) ...
    python benchmarks/speed.py --device cuda --sizes 1e4 1e5 1e6 --batch-size 1024
    # ... and the host-sync count (about 2 minutes)
    python benchmarks/speed.py --device cuda --sizes 1e4 1e5 --batch-size 1024 \\
        --count-syncs --repeats 1 --tag cuda_syncs
    # a quick look
    python benchmarks/speed.py --sizes 1e3 --repeats 1 --epochs 1 --real none

SIGTERM (e.g. from ``timeout``) or Ctrl-C stops the run cleanly: the fit in
progress is discarded (skorch's ``fit`` returns early on ``KeyboardInterrupt``;
the signal is noted, so the cut-short fit is never timed) and the fits done so
far are reported, marked as interrupted.

Results go to ``--out`` (default ``benchmarks/results/speed``) as
``speed_<tag>.md`` (command, machine, table, targets), ``speed_<tag>.csv``
(summary), ``speed_<tag>_raw.csv`` (every timed fit) and ``speed_<tag>.png``
(fit time against N, log-log); ``<tag>`` defaults to the device type.
"""

import argparse
import os
import sys
import traceback

import numpy as np
import pandas as pd
import torch

# the shared core and this package's modules, by name (benchmarks/ is on sys.path)
import _common  # by module: Interrupted stays the same class if Dask reloads it
from speed.measure import (
    BASELINES,
    count_syncs,
    method_names,
    real_dataset,
    state_budget_bytes,
    synthetic_dataset,
    timed_fit,
)
from speed.report import _loadavg, evaluate_targets, write_results


# ---------------------------------------------------------------------------
# the run


def run(args):
    """Every timed fit (interleaved repeats) and the summary; stops cleanly on a signal."""
    methods = method_names(args.methods, args.device)
    args.torch_threads = torch.get_num_threads()
    datasets = []
    for k in args.classes:
        for n in args.sizes:
            datasets.append(synthetic_dataset(n, args.n_features, k, args.imbalance))
    if args.real and args.real.lower() != "none":
        real = real_dataset(args.real)
        if real is not None:
            datasets.append(real)

    # untimed warm-up: imports, allocator, kernels, CUDA context
    warm = synthetic_dataset(512, args.n_features, 2, args.imbalance)
    raw = []
    failed = {}
    args.interrupted = False
    syncs = {}
    try:
        for method in methods:
            try:
                with _common.interruption_guard():
                    timed_fit(method, warm, args)
            except _common.Interrupted:
                raise
            except Exception:
                pass
        _measure(datasets, methods, args, raw, failed)
        if args.count_syncs:
            _count_syncs(datasets, methods, args, syncs, failed)
    except (KeyboardInterrupt, _common.Interrupted):
        print("[speed] interrupted: reporting the fits done so far", flush=True)
        args.interrupted = True
    raw = pd.DataFrame(raw)
    summary = summarize(raw, methods, datasets, args, syncs, failed)
    if len(summary):
        summary = summary[(summary.repeats > 0) | (summary.error != "")].reset_index(drop=True)
    return raw, summary


def _measure(datasets, methods, args, raw, failed):
    for data in datasets:
        print(f"[speed] {data.name}: N={data.n} d={data.d} k={data.k}", flush=True)
        for rep in range(args.repeats):
            for method in methods:  # interleaved: A B C ... A B C ...
                if (data.name, data.n, method) in failed:
                    continue
                try:
                    with _common.interruption_guard():  # a fit cut short is never timed
                        row = timed_fit(method, data, args)
                except _common.Interrupted:
                    raise
                except Exception as exc:
                    msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                    print(f"[speed]   {method} FAILED: {msg}", flush=True)
                    if args.verbose:
                        traceback.print_exc()
                    failed[(data.name, data.n, method)] = msg
                    continue
                row.update(dataset=data.name, n=data.n, d=data.d, k=data.k,
                           synthetic=data.synthetic, method=method, repeat=rep)
                raw.append(row)
                if args.verbose:
                    print(f"[speed]   rep {rep} {method:>20s} {row['time_s']:8.3f} s",
                          flush=True)


def _count_syncs(datasets, methods, args, syncs, failed):
    """Host-sync counts of every (data set, strategy), into ``syncs``."""
    for data in datasets:
        for method in methods:
            if (data.name, data.n, method) in failed:
                continue
            try:
                with _common.interruption_guard():
                    counts = count_syncs(method, data, args)
            except _common.Interrupted:
                raise
            except Exception as exc:
                print(f"[speed]   sync count {method} failed: {exc}", flush=True)
                continue
            syncs[(data.name, data.n, method)] = counts


def summarize(raw, methods, datasets, args, syncs, failed):
    rows = []
    for data in datasets:
        sub = raw[(raw.dataset == data.name) & (raw.n == data.n)] if len(raw) else raw
        med = {m: sub[sub.method == m].time_s.median() for m in methods} if len(sub) else {}
        for method in methods:
            key = (data.name, data.n, method)
            runs = sub[sub.method == method] if len(sub) else sub
            t = med.get(method, np.nan)
            row = {
                "dataset": data.name, "n": data.n, "d": data.d, "k": data.k,
                "synthetic": data.synthetic, "method": method,
                "time_s": t,
                "time_min": runs.time_s.min() if len(runs) else np.nan,
                "time_max": runs.time_s.max() if len(runs) else np.nan,
                "repeats": len(runs),
                "rows_per_s": data.n * args.epochs / t if t and t == t else np.nan,
                "x_skorch": t / med.get("skorch_plain", np.nan),
                "x_sklearn": t / med.get("sklearn_mlp", np.nan),
                "x_none": t / med.get("none", np.nan),
                "x_limit": t / med.get("bare_captured", np.nan),
                "rss_mb": runs.rss_mb.max() if len(runs) else np.nan,
                "cuda_mb": runs.cuda_mb.max() if len(runs) else np.nan,
                "state_B_row": (runs.state_bytes.max() / data.n) if len(runs) else np.nan,
                "budget_B_row": (
                    state_budget_bytes(data.n, data.k) / data.n
                    if method not in BASELINES else np.nan
                ),
                "epochs_run": runs.epochs_run.min() if len(runs) else np.nan,
                "syncs_batch": syncs.get(key, {}).get("syncs_batch", np.nan),
                "syncs_epoch": syncs.get(key, {}).get("syncs_epoch", np.nan),
                "error": failed.get(key, ""),
            }
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# CLI


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="benchmarks/speed.py",
        description="Fit-time / memory benchmark of skrebalance strategies against plain "
        "skorch and scikit-learn's MLPClassifier (issue 7).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5],
                   help="synthetic data set sizes N (e.g. 1e4 1e5 1e6)")
    p.add_argument("--n-features", type=int, default=20, help="features of the synthetic sets")
    p.add_argument("--classes", nargs="+", type=int, default=[2, 10],
                   help="class counts of the synthetic sets")
    p.add_argument("--imbalance", type=float, default=10.0,
                   help="largest/smallest class ratio of the k>2 synthetic sets")
    p.add_argument("--real", default="magic",
                   help="real data set for skrebalance.datasets.load_dataset, or 'none'")
    p.add_argument("--methods", nargs="+", default=None,
                   help="subset of methods (strategy names, skorch_plain, sklearn_mlp)")
    p.add_argument("--epochs", type=int, default=3, help="training epochs of every method")
    p.add_argument("--batch-size", type=int, default=128, help="training batch size")
    p.add_argument("--hidden", nargs="+", type=int, default=[64, 64],
                   help="hidden layer widths of the MLP (all methods)")
    p.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    p.add_argument("--fused", action="store_true",
                   help="pass optimizer__fused=True to both torch methods")
    p.add_argument("--repeats", type=int, default=3,
                   help="interleaved timed fits per method and data set (median)")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=int, default=1,
                   help="threads for torch (set_num_threads) and for numpy's BLAS "
                   "(threadpoolctl); 0 keeps the libraries' defaults. 1 is the fastest "
                   "for every method at these sizes, and on a busy machine more threads "
                   "make small-batch torch training many times slower (idle-waiting "
                   "OpenMP threads)")
    p.add_argument("--count-syncs", action="store_true",
                   help="on CUDA, count host syncs in the batch loop (sync debug mode)")
    p.add_argument("--out", default=os.path.join("benchmarks", "results", "speed"),
                   help="output folder")
    p.add_argument("--tag", default=None, help="file name tag (default: device type)")
    p.add_argument("--verbose", action="store_true", help="print every timed fit")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes]
    if min(args.sizes) < 100:
        p.error("--sizes must be at least 100")
    if min(args.classes) < 2:
        p.error("--classes must be at least 2")
    if args.repeats < 1 or args.epochs < 1 or args.batch_size < 1:
        p.error("--repeats, --epochs and --batch-size must be positive")
    try:
        device = torch.device(args.device)
    except RuntimeError as exc:
        p.error(f"--device: {exc}")
    if device.type == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda but torch sees no CUDA device")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    load_before = _loadavg()
    with _common.stop_signals(), _common.torch_threads(args.threads, blas=True):
        raw, summary = run(args)
    load_after = _loadavg()
    targets = evaluate_targets(summary, args)
    stem = write_results(raw, summary, targets, args, argv, load_before, load_after)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(summary.drop(columns=["synthetic", "error"]).to_string(index=False))
    print("\ntargets")
    for t, v, d in targets:
        print(f"  {t}: {v}: {d}")
    print(f"\nresults: {stem}.md / .csv / _raw.csv / .png")
    return summary, targets


if __name__ == "__main__":
    main()
