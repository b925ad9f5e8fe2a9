"""GHM-CWAP: formulas against hand-worked values, AURA, the strategy, behaviour."""

import copy
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from skrebalance import RebalancedNetClassifier
from skrebalance.datasets import make_long_tailed
from skrebalance.functional import (
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_histogram,
    ghm_normalize_weights,
    ghm_region_index,
    ghm_region_values,
    ghm_uniform_edges,
    gradient_norm,
)
from skrebalance.losses import GHMCWAPLoss
from skrebalance.strategies import GHMCWAP, GHMCWAPStrategy, available

from test_functional_ghm import G, HAND_COUNTS, HAND_LOSS, TARGET, logits_for

FAST = dict(max_epochs=3, random_state=0)


@pytest.fixture(autouse=True)
def _one_thread():
    # small nets: one thread is faster on a shared machine than two that contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

# ---------------------------------------------------------------------------
# the loss module (the formulas are tested in test_functional_ghm.py)

def test_module_by_hand_batch_mode_without_momentum():
    # momentum 0 counts the batch itself, equal widths: test_functional_ghm's
    # hand-worked batch end to end
    logits, target = logits_for(G, TARGET)
    loss = GHMCWAPLoss(n_classes=2, n_regions=4, alpha=0.5, gamma=0.8, adaptive=False,
                       accumulate="batch", momentum=0.0, normalize="all")
    assert loss(logits, target).item() == pytest.approx(HAND_LOSS, abs=1e-6)
    assert loss.counts.tolist() == HAND_COUNTS
    # epoch mode before any complete epoch: the epoch's running counts, same numbers
    epoch = GHMCWAPLoss(n_classes=2, n_regions=4, alpha=0.5, gamma=0.8, adaptive=False,
                        normalize="all")
    assert epoch(logits, target).item() == pytest.approx(HAND_LOSS, abs=1e-6)
    assert epoch.epoch_counts.tolist() == HAND_COUNTS


def test_all_weights_one_and_margins_zero_is_cross_entropy():
    torch.manual_seed(0)
    logits, target = torch.randn(50, 4), torch.randint(0, 4, (50,))
    ce = F.cross_entropy(logits, target)
    loss = GHMCWAPLoss(n_classes=4, intra=False, gamma=0.0)
    torch.testing.assert_close(loss(logits, target), ce)


def test_sample_weight_multiplies_the_per_example_losses():
    torch.manual_seed(0)
    logits, target = torch.randn(16, 3), torch.randint(0, 3, (16,))
    weight = torch.rand(16) * 2
    loss = GHMCWAPLoss(n_classes=3, n_regions=5).eval()
    loss.set_counts(torch.randn(100, 3), torch.randint(0, 3, (100,)))
    per_example = GHMCWAPLoss(n_classes=3, n_regions=5, reduction="none").eval()
    per_example.load_state_dict(loss.state_dict())
    plain = per_example(logits, target)
    torch.testing.assert_close(per_example(logits, target, sample_weight=weight),
                               plain * weight)
    # "mean": sum_i s_i w_i l_i / n, with n the batch size
    torch.testing.assert_close(loss(logits, target, sample_weight=weight),
                               (plain * weight).sum() / 16)
    no_intra = GHMCWAPLoss(n_classes=3, intra=False, gamma=0.0)
    torch.testing.assert_close(no_intra(logits, target, sample_weight=weight),
                               (F.cross_entropy(logits, target, reduction="none")
                                * weight).mean())


def test_module_state_update_and_eval_mode():
    loss = GHMCWAPLoss(n_classes=3, n_regions=5, accumulate="batch")
    logits, target = torch.randn(8, 3), torch.tensor([0, 0, 0, 0, 0, 1, 1, 2])
    loss(logits, target)
    # bias correction: after one batch the histogram is the batch's own
    torch.testing.assert_close(loss.histograms().sum(1), torch.tensor([5.0, 2.0, 1.0]))
    assert loss.steps.item() == 1.0 and loss.epoch_counts.sum().item() == 8.0
    loss.eval()
    before = (loss.counts.clone(), loss.epoch_counts.clone())
    loss(logits, target)
    assert torch.equal(loss.counts, before[0]) and torch.equal(loss.epoch_counts, before[1])
    assert loss.steps.item() == 1.0
    assert {"edges", "widths", "counts", "epoch_counts", "steps"} <= set(loss.state_dict())
    assert loss.edges.shape == (3, 6) and loss.widths.shape == (3, 5)
    # the weights and margins are constants: the gradient is that of eq. 3
    loss.train()
    z = logits.clone().requires_grad_(True)
    loss(z, target).backward()
    assert torch.isfinite(z.grad).all()


def _reference_forward(loss, logits, target, state):
    # The module's forward written out with the public formulas as in the
    # paper: the full (C, N) weight table of the bias-corrected values on each
    # class's regions, recomputed for every batch, the regions from g itself. Returns the loss, the
    # gradient and the updated state (counts, epoch_counts, steps).
    counts, epoch_counts, steps = (t.clone() for t in state)
    n_classes, n_regions = counts.shape
    z = logits.clone().requires_grad_(True)
    region = ghm_region_index(gradient_norm(z, target), loss.edges, target)
    batch = ghm_histogram(region, target, n_classes, n_regions)
    epoch_counts = epoch_counts + batch
    mu = loss.momentum
    if loss.accumulate == "batch":
        counts = counts * mu + batch * (1.0 - mu)
        steps = steps + 1
        bias = max(1.0 - mu ** steps.item(), 1.0 - mu)
        hist, unit = counts / bias, (1.0 - mu) / bias
    else:
        hist, unit = (counts if loss.histogram_ready else epoch_counts), 1.0
    values = ghm_region_values(hist, loss.widths)
    one = ghm_region_values(torch.full_like(hist, unit), loss.widths)
    sizes = ghm_effective_sizes(values, loss.alpha, one.amin(1))
    weight = None
    if loss.intra:
        # W of every cell, normalised to mean 1 over the examples of the
        # histogram in use (per class or overall), clamped, read per example
        table = ghm_cwap_weight_table(values, loss.alpha, one, sizes)
        cell_class = torch.arange(n_classes).repeat_interleave(n_regions)
        groups = cell_class if loss.normalize == "class" else None
        table = ghm_normalize_weights(table.reshape(-1), loss.max_weight, groups, n_classes,
                                      counts=hist.reshape(-1)).view(n_classes, n_regions)
        weight = table[target, region]
    margins = ghm_cwap_margins(sizes, loss.gamma) if loss.gamma > 0 else None
    value = ghm_cwap_loss(z, target, margins, weight, reduction=loss.reduction)
    value.sum().backward()
    return value.detach(), z.grad, (counts, epoch_counts, steps)


@pytest.mark.parametrize("params", [
    {},
    {"alpha": 0.0, "normalize": "all"},
    {"alpha": 1.0, "gamma": 0.0, "accumulate": "batch", "momentum": 0.0, "reduction": "sum"},
    {"intra": False, "adaptive": False},
    {"accumulate": "batch", "max_weight": 1.5, "reduction": "none"},
    {"max_weight": None, "normalize": "all"},
])
def test_module_matches_the_formulas_batch_after_batch(params):
    torch.manual_seed(0)
    loss = GHMCWAPLoss(n_classes=4, n_regions=6, **params)
    for step in range(30):
        logits = 3 * torch.randn(32, 4)
        target = torch.randint(0, 3 if step < 12 else 4, (32,))  # class 3 absent at first
        state = (loss.counts, loss.epoch_counts, loss.steps)
        expected = _reference_forward(loss, logits, target, state)
        z = logits.clone().requires_grad_(True)
        value = loss(z, target)
        value.sum().backward()
        torch.testing.assert_close(value.detach(), expected[0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(z.grad, expected[1], rtol=1e-5, atol=1e-6)
        for got, want in zip((loss.counts, loss.epoch_counts, loss.steps), expected[2]):
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
        if step in (10, 20):
            loss.end_epoch()  # AURA moves the edges: class 3 (uncounted) keeps its own


def test_module_rejects_wrong_class_count_and_bad_params():
    with pytest.raises(ValueError, match="classes"):
        GHMCWAPLoss(n_classes=2)(torch.zeros(3, 4), torch.tensor([0, 1, 2]))
    for kwargs, name in [({"accumulate": "x"}, "accumulate"), ({"momentum": 1.0}, "momentum"),
                         ({"alpha": 2.0}, "alpha"), ({"gamma": -1.0}, "gamma"),
                         ({"max_weight": 0.0}, "max_weight"), ({"normalize": "x"}, "normalize"),
                         ({"n_regions": 0}, "n_regions"), ({"reduction": "avg"}, "reduction")]:
        with pytest.raises(ValueError, match=name):
            GHMCWAPLoss(**kwargs)
    with pytest.raises(ValueError, match="accumulate"):
        GHMCWAPLoss(n_classes=2, accumulate="batch").set_counts(torch.zeros(1, 2),
                                                                torch.tensor([0]))


# ---------------------------------------------------------------------------
# AURA in the module: one histogram per category, each with its own widths

def _logits_with_norms(g, target, n_classes=2):
    logits = torch.zeros(len(g), n_classes)
    logits[torch.arange(len(g)), target] = torch.log((1 - g).clamp_min(1e-6) / g.clamp_min(1e-6))
    return logits


def test_aura_narrows_dense_regions_of_each_class():
    torch.manual_seed(0)
    loss = GHMCWAPLoss(n_classes=2, n_regions=10, adaptive=True)
    # class 0 (head, 900 rows): 90% easy, g in [0, 0.1); class 1 (tail, 100 rows):
    # 90% hard, g in [0.9, 1)
    g0 = torch.cat([torch.rand(810) * 0.1, 0.1 + torch.rand(90) * 0.9])
    g1 = torch.cat([0.9 + torch.rand(90) * 0.1, torch.rand(10) * 0.9])
    g = torch.cat([g0, g1])
    target = torch.cat([torch.zeros(900), torch.ones(100)]).long()
    for rows in torch.randperm(1000).split(100):
        loss(_logits_with_norms(g[rows], target[rows]), target[rows])
    # each example added 1 / (N d) = 1 with equal widths
    assert loss.region_values().sum().item() == pytest.approx(1000.0)
    assert loss.end_epoch() is True
    widths = loss.widths
    torch.testing.assert_close(widths.sum(1), torch.ones(2))
    # each class's dense region is its narrowest: region 0 for the head class,
    # the last region for the tail class (shared widths would follow the head)
    assert widths[0, 0] < widths[0, 1:].min() and widths[0, 0] < 0.1
    assert widths[1, -1] < widths[1, :-1].min() and widths[1, -1] < 0.1
    assert (torch.diff(loss.edges, dim=1) > 0).all() and (loss.edges[:, -1] == 1).all()
    assert loss.epoch_counts.sum().item() == 0.0  # values reset
    # the epoch's counts, moved onto the new regions, are the histogram in use
    torch.testing.assert_close(loss.histograms().sum(1), torch.tensor([900.0, 100.0]))


def test_ura_keeps_equal_regions():
    loss = GHMCWAPLoss(n_classes=2, n_regions=5, adaptive=False)
    loss(torch.randn(20, 2), torch.randint(0, 2, (20,)))
    assert loss.end_epoch() is False
    torch.testing.assert_close(loss.edges, ghm_uniform_edges(5, n_classes=2))
    assert loss.epoch_counts.sum().item() == 0.0 and loss.histograms().sum().item() == 20.0


def test_cache_follows_state_dict_and_device_moves():
    torch.manual_seed(0)
    source = GHMCWAPLoss(n_classes=3, n_regions=4)
    source(torch.randn(64, 3), torch.randint(0, 3, (64,)))
    source.end_epoch()
    target = GHMCWAPLoss(n_classes=3, n_regions=4).eval()
    logits, y = torch.randn(16, 3), torch.randint(0, 3, (16,))
    before = target(logits, y)  # builds its caches from the empty state
    target.load_state_dict(source.state_dict())
    assert target.histogram_ready
    torch.testing.assert_close(target(logits, y), source.eval()(logits, y))
    assert not torch.equal(before, target(logits, y))
    moved = copy.deepcopy(target).double().float()
    torch.testing.assert_close(moved(logits, y), target(logits, y))


# ---------------------------------------------------------------------------
# the strategy in the classifier

def test_selectable_by_name_and_object(three_class):
    X, y = three_class
    assert "ghm_cwap" in available()
    by_name = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    by_object = RebalancedNetClassifier(strategy=GHMCWAPStrategy(), **FAST).fit(X, y)
    assert GHMCWAP is GHMCWAPStrategy  # the old name is an alias
    assert isinstance(by_name.strategy_, GHMCWAPStrategy)
    # the strategy owns the criterion the net trains with
    assert isinstance(by_name.criterion_, GHMCWAPLoss)
    assert by_name.criterion_ is by_name.strategy_.criterion_
    np.testing.assert_allclose(by_name.predict_proba(X), by_object.predict_proba(X))


def test_history_records_effective_sizes_and_widths(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    sizes = clf.history[:, "ghm_effective_sizes"]
    assert len(sizes) == 3 and all(len(s) == 3 for s in sizes)
    assert np.isfinite(sizes).all() and (np.asarray(sizes) > 0).all()
    # larger classes have larger effective sizes (counts 0.6 / 0.3 / 0.1)
    assert sizes[-1][0] > sizes[-1][1] > sizes[-1][2]
    widths = np.asarray(clf.history[-1, "ghm_region_widths"])
    assert widths.shape == (3, 30)  # one set of regions per class
    np.testing.assert_allclose(widths.sum(1), 1.0, atol=1e-5)
    assert not np.allclose(widths[0], widths[2])  # each class has its own
    torch.testing.assert_close(clf.strategy_.effective_sizes_, torch.tensor(sizes[-1]))
    ura = RebalancedNetClassifier(strategy="ghm_cwap", strategy__adaptive=False, **FAST).fit(X, y)
    assert "ghm_region_widths" not in ura.history[-1]


def test_predict_proba_is_softmax_of_raw_logits(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", strategy__gamma=2.0, **FAST).fit(X, y)
    with torch.no_grad():
        logits = clf.module_.eval()(torch.as_tensor(X, dtype=torch.float32))
    np.testing.assert_allclose(clf.predict_proba(X), torch.softmax(logits, 1).numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("params", [
    {"gamma": 0.0}, {"intra": False}, {"adaptive": False}, {"accumulate": "batch"},
    {"accumulate": "batch", "momentum": 0.0}, {"normalize": "all"}, {"alpha": 0.0},
    {"max_weight": None},
])
def test_ablations_fit(three_class, params):
    X, y = three_class
    clf = RebalancedNetClassifier(
        strategy="ghm_cwap", **{f"strategy__{k}": v for k, v in params.items()}, **FAST
    ).fit(X, y)
    for key, value in params.items():
        assert getattr(clf.criterion_, key) == value
    assert np.isfinite(clf.history[:, "train_loss"]).all()


def test_epoch_mode_counts_every_training_row_once_per_epoch(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    assert clf.criterion_.accumulate == "epoch" and clf.criterion_.histogram_ready
    # the histogram in use is the last epoch's: each training row once
    counts = clf.criterion_.histograms()
    np.testing.assert_allclose(counts.sum(1).numpy(), np.bincount(y), rtol=1e-5)


class _StateAtEpochBegin(Callback):
    """Records the loss module's state when each epoch begins."""

    def initialize(self):
        self.states = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        loss = net.criterion_
        self.states.append((loss.histogram_ready, loss.histograms().sum(1).tolist(),
                            loss.edges.clone()))


def test_first_epoch_uses_a_count_of_the_initial_model(three_class):
    X, y = three_class
    probe = _StateAtEpochBegin()
    RebalancedNetClassifier(strategy="ghm_cwap", callbacks=[probe], **FAST).fit(X, y)
    ready, counts, edges = probe.states[0]
    assert ready  # counted in on_train_begin, before the first epoch
    np.testing.assert_allclose(counts, np.bincount(y))
    torch.testing.assert_close(edges, ghm_uniform_edges(30, n_classes=3))  # URA first
    assert not torch.equal(probe.states[1][2], edges)  # AURA after the first epoch


@pytest.mark.parametrize("param, value", [
    ("alpha", 1.5), ("gamma", -0.1), ("n_regions", 0), ("accumulate", "sometimes"),
    ("momentum", 1.0), ("max_weight", 0.0), ("intra", "yes"), ("normalize", "batch"),
])
def test_bad_parameters_name_the_parameter(three_class, param, value):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **{f"strategy__{param}": value}, **FAST)
    with pytest.raises((ValueError, TypeError), match=param):
        clf.fit(X, y)


def test_warm_start_keeps_the_histograms(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", strategy__accumulate="batch",
                                  warm_start=True, **FAST).fit(X, y)
    steps = clf.criterion_.steps.item()
    clf.fit(X, y)
    assert clf.criterion_.steps.item() == 2 * steps
    fresh = clone(clf).set_params(warm_start=False).fit(X, y)
    assert fresh.criterion_.steps.item() == steps
    # epoch mode: the second fit starts from the first one's regions and histogram
    probe = _StateAtEpochBegin()
    clf = RebalancedNetClassifier(strategy="ghm_cwap", warm_start=True, callbacks=[probe],
                                  **FAST).fit(X, y)
    edges = clf.criterion_.edges.clone()
    clf.fit(X, y)
    torch.testing.assert_close(probe.states[3][2], edges)


def test_pickle_roundtrip(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    torch.testing.assert_close(loaded.criterion_.edges, clf.criterion_.edges)
    assert loaded.criterion_ is loaded.strategy_.criterion_
    assert loaded.criterion_.histogram_ready
    # training continues from the restored histograms
    loaded.set_params(warm_start=True).partial_fit(X, y)
    assert np.isfinite(loaded.history[-1, "train_loss"])


def test_single_example_class_stays_finite():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4)
    y = np.array([0] * 50 + [1] * 9 + [2])
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    assert np.isfinite(clf.history[:, "train_loss"]).all()
    assert np.isfinite(clf.history[-1, "ghm_effective_sizes"]).all()


@pytest.mark.parametrize("lr", [1e6, 1e20])
@pytest.mark.parametrize("accumulate", ["batch", "epoch"])
def test_a_diverging_fit_raises_the_divergence_error(three_class, accumulate, lr):
    # NaN logits once were binned past the last region: an IndexError in the
    # histogram update instead of the package's divergence error
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", strategy__accumulate=accumulate, lr=lr,
                                  device="cpu", **FAST)
    with pytest.raises(ValueError, match="non-finite"):
        clf.fit(X, y)


@pytest.mark.cuda
def test_a_diverging_fit_on_cuda_raises_the_divergence_error(three_class):
    # on CUDA an out-of-range put_ is a device-side assert that poisons the context
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", lr=1e6, device="cuda", **FAST)
    with pytest.raises(ValueError, match="non-finite"):
        clf.fit(X, y)
    torch.cuda.synchronize()  # no pending device assert


@pytest.mark.cuda
@pytest.mark.parametrize("accumulate", ["batch", "epoch"])
def test_no_host_sync_in_the_batch_loop(accumulate):
    loss = GHMCWAPLoss(n_classes=5, accumulate=accumulate).cuda()
    logits = torch.randn(256, 5, device="cuda", requires_grad=True)
    target = torch.randint(0, 5, (256,), device="cuda")
    weight = torch.rand(256, device="cuda")
    loss(logits, target)  # warm-up (lazy CUDA init)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(2):  # running counts, then the end of an epoch, then its histogram
            for _ in range(3):
                loss(logits, target, sample_weight=weight).backward()
            loss.end_epoch()
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.cuda
@pytest.mark.parametrize("accumulate", ["batch", "epoch"])
def test_fits_on_cuda(three_class, accumulate):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", strategy__accumulate=accumulate,
                                  device="cuda", **FAST).fit(X, y)
    assert clf.criterion_.counts.is_cuda and clf.criterion_.edges.is_cuda
    assert clf.strategy_.effective_sizes_.is_cuda
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0, atol=1e-6)
    assert np.isfinite(clf.history[:, "train_loss"]).all()


# ---------------------------------------------------------------------------
# behaviour on a long-tailed problem (benchmarks/long_tail_recall.py's data)

def _long_tailed(seed):
    X, y = make_classification(
        n_samples=10000, n_features=20, n_informative=10, n_redundant=4, n_classes=10,
        n_clusters_per_class=2, class_sep=1.5, random_state=seed,
    )
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, stratify=y,
                                              random_state=seed)
    X_tr, y_tr = make_long_tailed(X_tr, y_tr, 50, random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), y_tr, scaler.transform(X_te), y_te


def test_tail_recall_improves_without_head_collapse():
    head_tail = {"none": [], "ghm_cwap": []}
    for seed in (0, 1):
        X_tr, y_tr, X_te, y_te = _long_tailed(seed)
        order = np.argsort(-np.bincount(y_tr), kind="stable")
        head, tail = order[:4], order[-4:]
        for strategy in head_tail:
            clf = RebalancedNetClassifier(strategy=strategy, max_epochs=30, random_state=seed)
            recall = recall_score(y_te, clf.fit(X_tr, y_tr).predict(X_te), average=None)
            head_tail[strategy].append((recall[head].mean(), recall[tail].mean()))
    (none_head, none_tail), (ghm_head, ghm_tail) = (
        np.mean(head_tail[s], axis=0) for s in ("none", "ghm_cwap"))
    # benchmarks/long_tail_recall.py (10 seeds): none tail 0.318, ghm_cwap 0.390
    assert ghm_tail > none_tail + 0.02
    assert ghm_head > none_head - 0.05
