"""Speed benchmark, measurement: the data, the estimators and what one fit costs.

Data
    Synthetic ``make_classification`` sets, imbalanced (2 classes: 9:1; ``k``
    classes: geometric long tail with ``imbalance`` as the ratio of the largest
    to the smallest class), and one real KEEL/UCI set through
    :func:`skrebalance.datasets.load_dataset`, standardised outside the timed
    region (skipped with a message when unavailable). All methods get the same
    float32 ``X`` / int64 ``y``.

Methods
    ``RebalancedNetClassifier`` with every registered strategy; ``skorch_plain``
    (skorch's ``NeuralNetClassifier`` with the same module, criterion, optimizer,
    epochs and batch size, ``train_split=None``, skorch's ``DataLoader`` path);
    ``sklearn_mlp`` (``MLPClassifier`` with the same hidden sizes, Adam, ``alpha=0``,
    ``tol=0`` and no early stopping, so it runs exactly ``epochs`` epochs).

Time and memory of one fit (:func:`timed_fit`)
    * ``time_s``: wall-clock time of ``fit`` (CUDA synchronised at the end).
    * ``rss_mb``: peak resident set size during the fit minus the RSS just before
      it, sampled every 5 ms by a thread (psutil; a lower bound: the allocator
      may re-use memory kept from an earlier fit).
    * ``cuda_mb``: ``torch.cuda.max_memory_allocated`` during the fit minus what
      was allocated before it.
    * ``state_bytes``: bytes of the fitted strategy state (tensor attributes ending
      in ``_`` of the strategies and buffers of the loss module, shared storages
      counted once); :func:`state_budget_bytes` is the allowance
      ``(k + 4) * 4`` bytes per row plus ``64 (k + 1)^2 + 4096`` bytes in all.

Host synchronisations (:func:`count_syncs`, CUDA only)
    The strategy is fitted once more (untimed) with
    ``torch.cuda.set_sync_debug_mode("warn")``: every operation that synchronises
    the host with the GPU (``.item()``, ``.cpu()``, ``nonzero``, blocking copies)
    raises a warning. Warnings between a batch's ``on_batch_begin`` and the end
    of its ``on_batch_end`` count as *in the batch loop* (``syncs_batch``, per
    batch); all the others of the fit (set-up, epoch hooks, the loss log) are
    divided by the number of epochs (``syncs_epoch``).
"""

import gc
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier
from torch import nn

import _common
from skrebalance import MLP, RebalancedNetClassifier
from skrebalance.strategies import available
from speed.bare_loop import bare_loop_time

try:  # optional: peak RSS sampling
    import psutil
except ImportError:  # pragma: no cover - psutil is in the "bench" extra
    psutil = None

#: the bare torch loops (speed/bare_loop.py): the limit a fit is compared with
BARE_LOOPS = ("bare_eager", "bare_captured")
BASELINES = ("skorch_plain", "sklearn_mlp") + BARE_LOOPS
SYNC_MARK = "synchroniz"  # torch's sync-debug warning text


# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# methods


def method_names(selected=None, device="cpu"):
    names = list(available()) + list(BASELINES)
    if torch.device(device).type != "cuda":  # a CUDA graph needs a GPU
        names.remove("bare_captured")
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
    return _common.make_net(method, hidden_units=hidden, epochs=args.epochs, lr=args.lr,
                            batch_size=args.batch_size, device=args.device, random_state=0,
                            net_class=net_class, callbacks=callbacks, **opt_kw)


# ---------------------------------------------------------------------------
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
    if method in BARE_LOOPS:
        return _timed_bare_loop(method, data, args)
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


def _timed_bare_loop(method, data, args):
    seconds, _, rows = bare_loop_time(
        data.X, data.y, data.k, args.batch_size, args.epochs, args.device,
        captured=method == "bare_captured", lr=args.lr, hidden=tuple(args.hidden))
    # the loop drops each epoch's last partial batch: time per row trained on,
    # times the rows of a full epoch
    return {"time_s": seconds * data.n * args.epochs / rows, "rss_mb": np.nan,
            "cuda_mb": np.nan, "state_bytes": np.nan, "epochs_run": args.epochs}


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
    # the eager loop: a captured step reads nothing on the host by
    # construction, and its capture synchronises once per graph
    net.set_params(cuda_graph=False)
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


