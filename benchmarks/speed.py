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

Threads
-------
``--threads`` (default 1) sets torch's intra-op threads and, through
threadpoolctl, numpy's BLAS threads used by ``MLPClassifier``. At batch 128 a
64-64 MLP gains nothing from more threads (on a quiet 16-core machine one
thread was the fastest for every method), and on a busy machine idle-waiting
OpenMP threads make torch many times slower (36x on the 2 shared cores this was
written on). ``--threads 0`` keeps the libraries' defaults.

Memory
------
* ``rss_mb``: peak resident set size during the fit minus the RSS just before
  it, sampled every 5 ms by a thread (psutil; approximate: the allocator may
  re-use memory it kept from an earlier fit, so this is a lower bound).
* ``cuda_mb`` (``--device cuda``): ``torch.cuda.max_memory_allocated`` during
  the fit minus what was allocated before it.
* ``state_B_row``: bytes of the fitted strategy state (tensor attributes ending
  in ``_`` of the strategies and buffers of the loss module, shared storages
  counted once) per training row; ``budget_B_row`` is target 4's allowance
  ``(k + 4) * 4`` bytes per row plus ``64 (k + 1)^2 + 4096`` bytes in all
  (our concrete reading of "plus O(k^2)").

Host synchronisations (``--count-syncs``)
-----------------------------------------
On CUDA, after the timed runs, each strategy is fitted once more (untimed) with
``torch.cuda.set_sync_debug_mode("warn")``: every operation that synchronises
the host with the GPU (``.item()``, ``.cpu()``, ``nonzero``, blocking copies)
then raises a warning. Warnings raised between a batch's ``on_batch_begin`` and
the end of its ``on_batch_end`` (training step, loss, every callback's batch
hooks) are counted as *in the batch loop*; all the others of the fit (set-up,
the strategies' epoch hooks, the once-per-epoch loss log) are divided by the
number of epochs. The table reports
``syncs_batch`` (in-loop syncs per batch, target 5 wants 0) and
``syncs_epoch`` (the rest, per epoch). On the CPU the columns say ``n/a``.

Targets (issue 7), printed as PASS/FAIL with the measured ratios
-----------------------------------------------------------------
1. ``none`` <= 0.4 x ``skorch_plain`` and <= 1.3 x ``sklearn_mlp`` on the CPU
   at N = 1e5 (every synthetic set of that size).
2. Every strategy <= 1.25 x ``none`` at N = 1e5.
3. Time per row at N = 1e6 within 1.5 x that at N = 1e4 (with other sizes the
   smallest and largest measured are compared and the line says so).
4. Strategy state <= the budget above, on every data set.
5. (CUDA with ``--count-syncs``) no host synchronisation in the batch loop.

When 1e5 is not among ``--sizes``, targets 1 and 2 use the largest size and
say so.

On CUDA the baselines are kept: ``skorch_plain`` runs on the GPU too (skorch's
CPU ``DataLoader`` plus one host-to-device copy per batch, as users run it),
while ``sklearn_mlp`` has no GPU path and runs on the CPU, so on CUDA its ratio
reads "how much faster than scikit-learn on this machine's CPU". Drop either
with ``--methods``.

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
progress is discarded and the fits done so far are reported, marked as
interrupted.

Results go to ``--out`` (default ``benchmarks/results/speed``) as
``speed_<tag>.md`` (command, machine, table, targets), ``speed_<tag>.csv``
(summary), ``speed_<tag>_raw.csv`` (every timed fit) and ``speed_<tag>.png``
(fit time against N, log-log); ``<tag>`` defaults to the device type.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import shlex
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier
from torch import nn

import skrebalance
from skrebalance import MLP, RebalancedNetClassifier
from skrebalance.strategies import available

try:  # optional: peak RSS sampling
    import psutil
except ImportError:  # pragma: no cover - psutil is in the "bench" extra
    psutil = None

BASELINES = ("skorch_plain", "sklearn_mlp")
SYNC_MARK = "synchroniz"  # torch's sync-debug warning text
# set on SIGTERM: skorch nets swallow KeyboardInterrupt and end the fit early,
# so the fit that was running is discarded rather than timed.
_STOP = threading.Event()


# ----------------------------------------------------------------------------
# data


@dataclass
class Dataset:
    name: str
    X: np.ndarray  # float32
    y: np.ndarray  # int64, 0..k-1
    synthetic: bool

    @property
    def n(self):
        return self.X.shape[0]

    @property
    def d(self):
        return self.X.shape[1]

    @property
    def k(self):
        return int(self.y.max()) + 1


def class_weights(n_classes, imbalance):
    """Class proportions: 9:1 for two classes, a geometric long tail otherwise."""
    if n_classes == 2:
        return [0.9, 0.1]
    w = np.asarray(imbalance, float) ** (-np.arange(n_classes) / (n_classes - 1))
    return list(w / w.sum())


def synthetic_dataset(n, n_features, n_classes, imbalance, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=max(4, n_features // 2),
        n_redundant=min(2, n_features // 4),
        n_classes=n_classes,
        n_clusters_per_class=1,
        weights=class_weights(n_classes, imbalance),
        class_sep=1.0,
        random_state=seed,
    )
    name = f"synthetic k={n_classes}"
    return Dataset(name, X.astype(np.float32), y.astype(np.int64), True)


def real_dataset(name):
    """A KEEL/UCI set via skrebalance.datasets, standardised; None if unavailable."""
    try:
        from skrebalance.datasets import load_dataset

        X, y = load_dataset(name)
    except Exception as exc:  # module missing, unknown name, files missing
        print(f"[speed] real data set {name!r} skipped: {type(exc).__name__}: {exc}")
        return None
    X = StandardScaler().fit_transform(np.asarray(X, dtype=np.float64))
    _, y = np.unique(np.asarray(y), return_inverse=True)
    return Dataset(name, X.astype(np.float32), y.astype(np.int64), False)


# ----------------------------------------------------------------------------
# methods


def method_names(selected=None):
    names = list(available()) + list(BASELINES)
    if selected:
        unknown = sorted(set(selected) - set(names))
        if unknown:
            raise ValueError(f"--methods: unknown {unknown}; choose among {names}.")
        names = [m for m in names if m in selected]
    return names


def make_estimator(method, data, args, net_class=RebalancedNetClassifier, callbacks=None):
    hidden = tuple(args.hidden)
    opt_kw = {"optimizer__fused": True} if args.fused else {}
    if method == "sklearn_mlp":
        return MLPClassifier(
            hidden_layer_sizes=hidden,
            solver="adam",
            learning_rate_init=args.lr,
            alpha=0.0,
            batch_size=args.batch_size,
            max_iter=args.epochs,
            tol=0.0,
            n_iter_no_change=args.epochs + 1,
            early_stopping=False,
            shuffle=True,
            random_state=0,
        )
    if method == "skorch_plain":
        return NeuralNetClassifier(
            MLP,
            module__n_features=data.d,
            module__n_classes=data.k,
            module__hidden_units=hidden,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=args.lr,
            max_epochs=args.epochs,
            batch_size=args.batch_size,
            train_split=None,
            iterator_train__shuffle=True,
            device=args.device,
            verbose=0,
            **opt_kw,
        )
    return net_class(
        module__hidden_units=hidden,
        strategy=method,
        lr=args.lr,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        device=args.device,
        random_state=0,
        callbacks=callbacks,
        **opt_kw,
    )


# ----------------------------------------------------------------------------
# measurement


class RSSPeak:
    """Peak RSS above the starting RSS, sampled by a thread (bytes; NaN without psutil)."""

    def __init__(self, interval=0.005):
        self.interval = interval
        self.peak = float("nan")

    def __enter__(self):
        if psutil is None:
            return self
        self._proc = psutil.Process()
        self._base = self._proc.memory_info().rss
        self._max = self._base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(self.interval):
            self._max = max(self._max, self._proc.memory_info().rss)

    def __exit__(self, *exc):
        if psutil is None:
            return
        self._stop.set()
        self._thread.join()
        self._max = max(self._max, self._proc.memory_info().rss)
        self.peak = self._max - self._base


def _tensors(obj):
    if torch.is_tensor(obj):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


def strategy_state_bytes(net):
    """Bytes of the fitted strategy state: ``*_`` tensors of the strategies and
    the loss module's buffers, each storage counted once."""
    seen, total = set(), 0
    tensors = []
    for strategy in getattr(net, "strategies_", []):
        for key, value in vars(strategy).items():
            if key.endswith("_") and not key.startswith("__"):
                tensors.extend(_tensors(value))
    criterion = getattr(net, "criterion_", None)
    if isinstance(criterion, nn.Module):
        tensors.extend(criterion.buffers())
    for t in tensors:
        storage = t.untyped_storage()
        key = (t.device, storage.data_ptr())
        if key not in seen:
            seen.add(key)
            total += storage.nbytes()
    return total


def state_budget_bytes(n, k):
    """Target 4: (k + 4) * 4 bytes per row plus 64 (k + 1)^2 + 4096 bytes."""
    return (k + 4) * 4 * n + 64 * (k + 1) ** 2 + 4096


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timed_fit(method, data, args):
    """Fit once; return a dict of time, memory and state measurements."""
    est = make_estimator(method, data, args)
    cuda = torch.device(args.device).type == "cuda" and method != "sklearn_mlp"
    gc.collect()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        cuda_base = torch.cuda.memory_allocated()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with RSSPeak() as rss:
            start = time.perf_counter()
            est.fit(data.X, data.y)
            _sync(args.device if cuda else "cpu")
            elapsed = time.perf_counter() - start
    row = {
        "time_s": elapsed,
        "rss_mb": rss.peak / 2**20,
        "cuda_mb": (torch.cuda.max_memory_allocated() - cuda_base) / 2**20 if cuda else np.nan,
        "state_bytes": np.nan,
        "epochs_run": args.epochs,
    }
    if method == "sklearn_mlp":
        row["epochs_run"] = est.n_iter_
    elif method != "skorch_plain":
        row["state_bytes"] = strategy_state_bytes(est)
    del est
    return row


class SyncCountingNet(RebalancedNetClassifier):
    """Counts sync-debug warnings raised inside the batch loop (see module doc)."""

    def notify(self, method_name, **cb_kwargs):
        log = self._sync_log
        if method_name == "on_batch_begin":
            self._sync_mark = len(log)
        super().notify(method_name, **cb_kwargs)
        if method_name == "on_batch_end":
            self._sync_in_batch += _n_syncs(log[self._sync_mark :])
            self._sync_batches += 1


def _n_syncs(records):
    return sum(SYNC_MARK in str(w.message) for w in records)


def count_syncs(method, data, args, callbacks=None):
    """In-loop syncs per batch and the other syncs of the fit per epoch (CUDA only)."""
    if torch.device(args.device).type != "cuda" or method in BASELINES:
        return {"syncs_batch": np.nan, "syncs_epoch": np.nan}
    net = make_estimator(method, data, args, net_class=SyncCountingNet, callbacks=callbacks)
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        net._sync_log, net._sync_in_batch, net._sync_batches = log, 0, 0
        previous = torch.cuda.get_sync_debug_mode()
        torch.cuda.set_sync_debug_mode("warn")
        try:
            net.fit(data.X, data.y)
            torch.cuda.synchronize()
        finally:
            torch.cuda.set_sync_debug_mode(previous)
    in_batch = net._sync_in_batch
    return {
        "syncs_batch": in_batch / max(net._sync_batches, 1),
        "syncs_epoch": (_n_syncs(log) - in_batch) / args.epochs,
    }


# ----------------------------------------------------------------------------
# the run


def run(args):
    methods = method_names(args.methods)
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
    try:
        for method in methods:
            try:
                timed_fit(method, warm, args)
            except Exception:
                pass
        _measure(datasets, methods, args, raw, failed)
    except KeyboardInterrupt:
        print("[speed] interrupted: reporting the fits done so far", flush=True)
        args.interrupted = True
    raw = pd.DataFrame(raw)

    syncs = {}
    if args.count_syncs and not _STOP.is_set():
        for data in datasets:
            if _STOP.is_set():
                break
            for method in methods:
                if (data.name, data.n, method) in failed:
                    continue
                try:
                    counts = count_syncs(method, data, args)
                    if _STOP.is_set():
                        raise KeyboardInterrupt
                    syncs[(data.name, data.n, method)] = counts
                except KeyboardInterrupt:
                    args.interrupted = True
                    break
                except Exception as exc:
                    print(f"[speed]   sync count {method} failed: {exc}", flush=True)
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
                    row = timed_fit(method, data, args)
                    if _STOP.is_set():
                        raise KeyboardInterrupt
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


# ----------------------------------------------------------------------------
# targets


def _at_size(summary, want):
    sizes = sorted(summary[summary.synthetic].n.unique())
    if not sizes:
        return None, ""
    if want in sizes:
        return want, ""
    return sizes[-1], f" (N={want:g} not measured: at N={sizes[-1]:g})"


def _x(ratio):
    return "n/a" if ratio != ratio else f"{ratio:.2f}x"


def _verdict(values, limit):
    values = [v for v in values if v == v]  # drop NaN
    if not values:
        return "N/A"
    return "PASS" if max(values) <= limit else "FAIL"


def evaluate_targets(summary, args):
    """List of (target, verdict, detail) lines; verdict PASS, FAIL or N/A."""
    out = []
    syn = summary[summary.synthetic]
    strategies = [m for m in summary.method.unique() if m not in BASELINES]
    device = torch.device(args.device).type

    # 1. none vs plain skorch and MLPClassifier on CPU at 1e5
    n1, note = _at_size(syn, 100_000)
    rows = syn[(syn.n == n1) & (syn.method == "none")]
    if rows.empty:
        out.append(("1", "N/A", "strategy 'none' not measured"))
    else:
        detail = "; ".join(
            f"{r.dataset}: none/skorch = {_x(r.x_skorch)} (<= 0.4), "
            f"none/MLPClassifier = {_x(r.x_sklearn)} (<= 1.3)"
            for r in rows.itertuples()
        )
        if device == "cpu":
            verdict = _combine(_verdict(rows.x_skorch, 0.4), _verdict(rows.x_sklearn, 1.3))
        else:
            verdict, note = "N/A", note + f" (CPU target; this run is on {device})"
        out.append(("1", verdict, detail + note))

    # 2. every strategy <= 1.25 x none at 1e5
    rows = syn[(syn.n == n1) & syn.method.isin(strategies) & (syn.method != "none")]
    if rows.empty:
        out.append(("2", "N/A", "no strategy besides 'none' measured"))
    else:
        rows = rows.sort_values("x_none", ascending=False)
        detail = "; ".join(
            f"{r.method} on {r.dataset}: {_x(r.x_none)}" for r in rows.itertuples()
        )
        failed = rows[rows.error != ""]
        verdict = _verdict(rows.x_none, 1.25)
        if len(failed):
            verdict = "FAIL"
            detail += "; errors: " + ", ".join(sorted(set(failed.method)))
        out.append(("2", verdict, f"limit 1.25x; {detail}{note}"))

    # 3. linear scaling: time per row at 1e6 vs 1e4
    sizes = sorted(syn.n.unique())
    if len(sizes) < 2:
        out.append(("3", "N/A", "needs at least two sizes"))
    else:
        lo, hi = sizes[0], sizes[-1]
        exact = lo == 10_000 and hi == 1_000_000
        parts = []
        for (ds, method), grp in syn[syn.method.isin(strategies)].groupby(["dataset", "method"]):
            t = grp.set_index("n").time_s
            if hi in t.index and lo in t.index:  # missing after an error or interruption
                parts.append(((t[hi] / hi) / (t[lo] / lo), f"{method} on {ds}"))
        parts.sort(key=lambda p: -p[0] if p[0] == p[0] else 0)
        verdict = _verdict([r for r, _ in parts], 1.5)
        if not exact and verdict != "N/A":
            verdict += " (partial)"
        out.append(("3", verdict,
                    f"time/row at N={hi:g} over N={lo:g}, limit 1.5x; "
                    + "; ".join(f"{name}: {_x(r)}" for r, name in parts)))

    # 4. strategy state memory
    rows = summary[summary.method.isin(strategies) & summary.state_B_row.notna()]
    if rows.empty:
        out.append(("4", "N/A", "no state measured"))
    else:
        worst = rows.assign(frac=rows.state_B_row / rows.budget_B_row).sort_values("frac")
        verdict = "PASS" if (worst.frac <= 1).all() else "FAIL"
        top = worst.groupby("method").tail(1).sort_values("frac", ascending=False)
        detail = "; ".join(
            f"{r.method}: {r.state_B_row:.1f} B/row of {r.budget_B_row:.1f} "
            f"({r.dataset}, N={r.n:g})"
            for r in top.itertuples()
        )
        out.append(("4", verdict, "largest state per method: " + detail))

    # 5. host syncs in the batch loop
    rows = summary[summary.method.isin(strategies) & summary.syncs_batch.notna()]
    if rows.empty:
        why = "run with --device cuda --count-syncs" if device == "cpu" or not args.count_syncs \
            else "no sync counts"
        out.append(("5", "N/A", why))
    else:
        worst = rows.groupby("method").syncs_batch.max()
        verdict = "PASS" if (worst == 0).all() else "FAIL"
        detail = ", ".join(f"{m}: {v:.2f}" for m, v in worst.items())
        out.append(("5", verdict, "max syncs per batch: " + detail))
    return out


def _combine(*verdicts):
    if "FAIL" in verdicts:
        return "FAIL"
    if all(v == "N/A" for v in verdicts):
        return "N/A"
    return "PASS"


# ----------------------------------------------------------------------------
# reporting


def machine_description(args):
    lines = [f"python {platform.python_version()} on {platform.platform()}"]
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            names = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    mem = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM" if psutil else ""
    lines.append(f"CPU: {cpu}, {os.cpu_count()} logical cores{mem}; "
                 f"torch threads: {getattr(args, 'torch_threads', torch.get_num_threads())}"
                 f"{'' if args.threads else ' (library default)'}; "
                 f"BLAS threads: {args.threads or 'library default'}")
    if torch.device(args.device).type == "cuda":
        lines.append(f"GPU: {torch.cuda.get_device_name()}")
    import sklearn
    import skorch

    lines.append(
        f"torch {torch.__version__}, skorch {skorch.__version__}, scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}, skrebalance {skrebalance.__version__}"
    )
    return lines


COLUMNS = [
    ("dataset", "{}"), ("n", "{:,}"), ("k", "{}"), ("method", "{}"),
    ("time_s", "{:.3f}"), ("rows_per_s", "{:,.0f}"), ("x_skorch", "{:.2f}"),
    ("x_sklearn", "{:.2f}"), ("x_none", "{:.2f}"), ("rss_mb", "{:.1f}"),
    ("cuda_mb", "{:.1f}"), ("state_B_row", "{:.1f}"), ("budget_B_row", "{:.1f}"),
    ("syncs_batch", "{:.2f}"), ("syncs_epoch", "{:.1f}"),
]


def markdown_table(summary):
    head = [c for c, _ in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in summary.itertuples():
        cells = []
        for col, fmt in COLUMNS:
            v = getattr(r, col)
            if isinstance(v, float) and v != v:
                cells.append("error" if col == "time_s" and r.error else "n/a")
            else:
                cells.append(fmt.format(v))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_plot(summary, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    syn = summary[summary.synthetic & summary.time_s.notna()]
    ks = sorted(syn.k.unique())
    fig, axes = plt.subplots(1, max(len(ks), 1), figsize=(5.5 * max(len(ks), 1), 4.2),
                             squeeze=False)
    for ax, k in zip(axes[0], ks):
        sub = syn[syn.k == k]
        for method, grp in sub.groupby("method", sort=False):
            grp = grp.sort_values("n")
            style = "--" if method in BASELINES else "-"
            ax.plot(grp.n, grp.time_s, style, marker="o", label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training rows N")
        ax.set_ylabel("median fit time (s)")
        ax.set_title(f"synthetic, k={k} classes")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(raw, summary, targets, args, argv, load_before, load_after):
    os.makedirs(args.out, exist_ok=True)
    tag = args.tag or torch.device(args.device).type
    stem = os.path.join(args.out, f"speed_{tag}")
    summary.to_csv(stem + ".csv", index=False, float_format="%.6g")
    raw.to_csv(stem + "_raw.csv", index=False, float_format="%.6g")
    png = stem + ".png"
    write_plot(summary, png)
    command = "python benchmarks/speed.py " + shlex.join(argv)
    lines = [
        f"# Speed benchmark ({tag})",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "Machine: " + "; ".join(machine_description(args)),
        "",
        f"Load average (1, 5, 15 min) before: {_fmt_load(load_before)}; "
        f"after: {_fmt_load(load_after)}.",
        "",
        *(["**Interrupted: the table holds only the fits done before the interruption.**", ""]
          if getattr(args, "interrupted", False) else []),
        f"Settings: MLP hidden {tuple(args.hidden)}, Adam lr {args.lr}"
        f"{' (fused)' if args.fused else ''}, {args.epochs} epochs, batch {args.batch_size}, "
        f"{args.repeats} interleaved repeats (median), device {args.device}.",
        "",
        "Columns: `time_s` median fit time; `rows_per_s` = N x epochs / time_s; "
        "`x_skorch`, `x_sklearn`, `x_none` ratios of time_s to plain skorch, "
        "MLPClassifier and strategy none; `rss_mb` peak RSS increase during fit; "
        "`cuda_mb` CUDA max allocated during fit; `state_B_row` fitted strategy "
        "state bytes per row, `budget_B_row` target 4's allowance; `syncs_batch` "
        "host syncs per batch in the batch loop, `syncs_epoch` other syncs per epoch "
        "(`--count-syncs` on CUDA).",
        "",
        *markdown_table(summary),
        "",
        "## Targets",
        "",
        *[f"- target {t}: **{v}**: {d}" for t, v, d in targets],
        "",
        f"![fit time vs N]({os.path.basename(png)})",
        "",
    ]
    errors = summary[summary.error != ""]
    if len(errors):
        lines += ["## Errors", ""]
        lines += [f"- {r.method} on {r.dataset} (N={r.n}): {r.error}" for r in errors.itertuples()]
        lines.append("")
    with open(stem + ".md", "w") as fh:
        fh.write("\n".join(lines))
    return stem


def _fmt_load(load):
    return "n/a" if load is None else ", ".join(f"{v:.2f}" for v in load)


def _loadavg():
    try:
        return os.getloadavg()
    except OSError:
        return None


# ----------------------------------------------------------------------------
# CLI


def parse_args(argv=None):
    p = argparse.ArgumentParser(
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


def _interrupt(signum, frame):
    _STOP.set()
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stop_on_signals():
    """SIGTERM/SIGINT end the run cleanly (see module doc); handlers restored after."""
    _STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _thread_limits(threads):
    """Limit torch's intra-op threads and the BLAS/OpenMP pools (numpy, sklearn)."""
    if not threads:
        yield
        return
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(previous)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    load_before = _loadavg()
    with _stop_on_signals(), _thread_limits(args.threads):
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
