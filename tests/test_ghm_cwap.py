"""GHM-CWAP: formulas against hand-worked values, AURA, the strategy, behaviour."""

import math
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

from skrebalance import RebalancedNetClassifier
from skrebalance.datasets import make_long_tailed
from skrebalance.functional import (
    aura_edges,
    aura_widths,
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_histogram,
    ghm_normalize_weights,
    ghm_rebin,
    ghm_region_index,
    ghm_uniform_edges,
    gradient_norm,
)
from skrebalance.losses import GHMCWAPLoss
from skrebalance.strategies import GHMCWAP, available

FAST = dict(max_epochs=3, random_state=0)


@pytest.fixture(autouse=True)
def _one_thread():
    # small nets: one thread is faster on a shared machine than two that contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

# ---------------------------------------------------------------------------
# A small batch with known gradient norms g = 1 - p_y (two classes, N = 4
# equal regions [0, .25), [.25, .5), [.5, .75), [.75, 1]):
#   class 0: g = 0.1, 0.1, 0.1, 0.1 (region 0) and 0.3 (region 1)
#   class 1: g = 0.9 (region 3)
# With two classes p_y = sigmoid(z_y - z_other), so z_y - z_other = log((1-g)/g).
G = [0.1, 0.1, 0.1, 0.1, 0.3, 0.9]
TARGET = torch.tensor([0, 0, 0, 0, 0, 1])


def _batch():
    margin = torch.tensor([math.log((1 - g) / g) for g in G])
    logits = torch.zeros(len(G), 2)
    logits[torch.arange(len(G)), TARGET] = margin
    return logits, TARGET


# Hand computation (alpha = 0.5, gamma = 0.8):
#   v_0 = [4, 1, 0, 0], v_1 = [0, 0, 0, 1]
#   S_0 = 4^.5 + 1^.5 = 3, S_1 = 1^.5 = 1
#   W_00 = 3 / 2 = 1.5, W_01 = 3 / 1 = 3, W_13 = 1 / 1 = 1
#   raw batch weights [1.5, 1.5, 1.5, 1.5, 3, 1], sum 10, n = 6 -> times 0.6:
#   [0.9, 0.9, 0.9, 0.9, 1.8, 0.6]
#   M_01 = 0.8 log(min(1, 1/3)) = -0.8 log 3 = -0.8788898, M_10 = 0.8 log(min(1, 3)) = 0
#   class-0 example: l = log(1 + e^{z_1 - z_0 + M_01}) = log(1 + g/(1-g) * 3^-0.8)
#     g = 0.1: log(1 + (1/9) 0.4152436) = 0.0451055
#     g = 0.3: log(1 + (3/7) 0.4152436) = 0.1637855
#   class-1 example (no margin): l = -log(0.1) = 2.3025851
#   mean: (4 * 0.9 * 0.0451055 + 1.8 * 0.1637855 + 0.6 * 2.3025851) / 6 = 0.3064574
HAND_COUNTS = [[4.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
HAND_WEIGHTS = [0.9, 0.9, 0.9, 0.9, 1.8, 0.6]
HAND_M01 = -0.8 * math.log(3)
HAND_LOSS = 0.3064574


def test_gradient_norm_regions_and_histogram_by_hand():
    logits, target = _batch()
    g = gradient_norm(logits, target)
    torch.testing.assert_close(g, torch.tensor(G), atol=1e-6, rtol=0)
    region = ghm_region_index(g, ghm_uniform_edges(4))
    assert region.tolist() == [0, 0, 0, 0, 1, 3]
    counts = ghm_histogram(region, target, n_classes=2, n_regions=4)
    assert counts.tolist() == HAND_COUNTS


def test_region_edges_are_half_open():
    edges = ghm_uniform_edges(4)
    g = torch.tensor([0.0, 0.2499, 0.25, 0.75, 0.9999, 1.0])
    assert ghm_region_index(g, edges).tolist() == [0, 0, 1, 3, 3, 3]


def test_effective_sizes_weights_margins_by_hand():
    counts = torch.tensor(HAND_COUNTS)
    torch.testing.assert_close(ghm_effective_sizes(counts, alpha=0.5), torch.tensor([3.0, 1.0]))
    table = ghm_cwap_weight_table(counts, alpha=0.5)
    # empty cells count one example: W_02 = 3 / 1, W_10 = 1 / 1
    torch.testing.assert_close(
        table, torch.tensor([[1.5, 3.0, 3.0, 3.0], [1.0, 1.0, 1.0, 1.0]]))
    raw = table[TARGET, torch.tensor([0, 0, 0, 0, 1, 3])]
    weights = ghm_normalize_weights(raw, max_weight=100.0)
    torch.testing.assert_close(weights, torch.tensor(HAND_WEIGHTS))
    margins = ghm_cwap_margins(torch.tensor([3.0, 1.0]), gamma=0.8)
    torch.testing.assert_close(margins, torch.tensor([[0.0, HAND_M01], [0.0, 0.0]]))


def test_loss_by_hand_functional_and_module():
    logits, target = _batch()
    margins = ghm_cwap_margins(torch.tensor([3.0, 1.0]), gamma=0.8)
    value = ghm_cwap_loss(logits, target, margins, torch.tensor(HAND_WEIGHTS))
    assert value.item() == pytest.approx(HAND_LOSS, abs=1e-6)
    # the module with momentum 0 counts the batch itself: same numbers end to end
    loss = GHMCWAPLoss(n_classes=2, n_regions=4, alpha=0.5, gamma=0.8, adaptive=False,
                       momentum=0.0, max_weight=100.0)
    assert loss(logits, target).item() == pytest.approx(HAND_LOSS, abs=1e-6)
    assert loss.counts.tolist() == HAND_COUNTS


def test_gamma_zero_and_alpha_zero_edge_cases():
    counts = torch.tensor(HAND_COUNTS)
    assert torch.equal(ghm_cwap_margins(torch.tensor([3.0, 1.0, 0.5]), gamma=0.0),
                       torch.zeros(3, 3))
    # alpha = 0: S_c = number of non-empty regions (0^0 must not count): S = [2, 1]
    torch.testing.assert_close(ghm_effective_sizes(counts, alpha=0.0), torch.tensor([2.0, 1.0]))
    # W = S_c / v^0 = S_c: raw [2, 2, 2, 2, 2, 1], sum 11 -> times 6/11
    table = ghm_cwap_weight_table(counts, alpha=0.0)
    raw = table[TARGET, torch.tensor([0, 0, 0, 0, 1, 3])]
    expected = torch.tensor([2.0, 2, 2, 2, 2, 1]) * 6 / 11
    torch.testing.assert_close(ghm_normalize_weights(raw, max_weight=100.0), expected)
    # alpha = 1: S_c = class sizes, W = n_c / v
    torch.testing.assert_close(ghm_effective_sizes(counts, alpha=1.0), torch.tensor([5.0, 1.0]))


def test_all_weights_one_and_margins_zero_is_cross_entropy():
    torch.manual_seed(0)
    logits, target = torch.randn(50, 4), torch.randint(0, 4, (50,))
    ce = F.cross_entropy(logits, target)
    torch.testing.assert_close(
        ghm_cwap_loss(logits, target, torch.zeros(4, 4), torch.ones(50)), ce)
    torch.testing.assert_close(ghm_cwap_loss(logits, target), ce)
    loss = GHMCWAPLoss(n_classes=4, intra=False, gamma=0.0)
    torch.testing.assert_close(loss(logits, target), ce)


def test_per_class_normalization():
    # class 0 raw [1, 3] -> mean 2 -> [0.5, 1.5]; class 1 alone -> 1
    w = ghm_normalize_weights(torch.tensor([1.0, 3.0, 5.0]), 100.0, torch.tensor([0, 0, 1]), 3)
    torch.testing.assert_close(w, torch.tensor([0.5, 1.5, 1.0]))
    with pytest.raises(ValueError, match="n_groups"):
        ghm_normalize_weights(torch.ones(2), groups=torch.tensor([0, 1]))


def test_weights_are_clamped():
    w = ghm_normalize_weights(torch.tensor([1.0] * 9 + [991.0]), max_weight=3.0)
    assert w.max().item() == 3.0
    assert w[0].item() == pytest.approx(0.01)


@pytest.mark.parametrize("counts", [
    torch.zeros(3, 5),                                   # nothing counted yet
    torch.tensor([[7.0, 0, 0, 0, 0], [0] * 5, [0, 0, 0, 0, 1]]),  # absent class, single example
    torch.tensor([[1e-30, 0, 0, 0, 0], [0] * 5, [0] * 5]),       # underflowing EMA
])
@pytest.mark.parametrize("alpha", [0.0, 0.9, 1.0])
def test_never_nan_or_inf(counts, alpha):
    sizes = ghm_effective_sizes(counts, alpha)
    assert (sizes > 0).all() and torch.isfinite(sizes).all()
    margins = ghm_cwap_margins(sizes, 0.8)
    table = ghm_cwap_weight_table(counts, alpha)
    assert torch.isfinite(margins).all() and (margins <= 0).all()
    assert torch.isfinite(table).all() and (table > 0).all()
    logits = torch.tensor([[300.0, -300.0, 0.0], [-300.0, 0.0, 300.0]], requires_grad=True)
    target = torch.tensor([1, 0])
    value = ghm_cwap_loss(logits, target, margins, ghm_normalize_weights(table[target, 0]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()


def test_module_state_update_and_eval_mode():
    loss = GHMCWAPLoss(n_classes=3, n_regions=5)
    logits, target = torch.randn(8, 3), torch.tensor([0, 0, 0, 0, 0, 1, 1, 2])
    loss(logits, target)
    # bias correction: after one batch the histogram is the batch's own
    assert loss.histograms().sum().item() == pytest.approx(8.0, rel=1e-5)
    assert loss.steps.item() == 1.0
    loss.eval()
    before = loss.counts.clone()
    loss(logits, target)
    assert torch.equal(loss.counts, before) and loss.steps.item() == 1.0
    assert {"edges", "widths", "counts", "steps", "aura_values"} <= set(loss.state_dict())
    # the weights and margins are constants: the gradient is that of eq. 3
    loss.train()
    z = logits.clone().requires_grad_(True)
    loss(z, target).backward()
    assert torch.isfinite(z.grad).all()


def _reference_forward(loss, logits, target, counts, steps, aura_values):
    # The module's forward written out with the public formulas, as in the paper:
    # full (C, N) weight table on the bias-corrected histograms; returns the loss,
    # gradient and updated state (the module skips the bias correction and the
    # table in its batch loop; the result must be the same up to rounding).
    counts, aura_values = counts.clone(), aura_values.clone()
    z = logits.clone().requires_grad_(True)
    region = ghm_region_index(gradient_norm(z, target), loss.edges)
    if loss.adaptive:
        aura_values.index_add_(0, region, (1.0 / (loss.n_regions * loss.widths))[region])
    mu = loss.momentum
    if loss.accumulate == "batch":
        batch = ghm_histogram(region, target, counts.shape[0], loss.n_regions)
        counts = counts * mu + batch * (1.0 - mu)
        steps = steps + 1
    if loss.accumulate == "epoch" or mu == 0:
        hist, unit = counts, 1.0
    else:
        bias = max(1.0 - mu**steps, 1.0 - mu)
        hist, unit = counts / bias, (1.0 - mu) / bias
    sizes = ghm_effective_sizes(hist, loss.alpha, unit)
    weight = None
    if loss.intra:
        table = ghm_cwap_weight_table(hist, loss.alpha, unit, sizes)
        groups = target if loss.normalize == "class" else None
        weight = ghm_normalize_weights(table[target, region], loss.max_weight, groups,
                                       counts.shape[0])
    margins = ghm_cwap_margins(sizes, loss.gamma) if loss.gamma > 0 else None
    value = ghm_cwap_loss(z, target, margins, weight, reduction=loss.reduction)
    value.sum().backward()
    return value.detach(), z.grad, counts, steps, aura_values


@pytest.mark.parametrize("params", [
    {},
    {"alpha": 0.0, "normalize": "class"},
    {"alpha": 1.0, "gamma": 0.0, "momentum": 0.0, "reduction": "sum"},
    {"intra": False, "adaptive": False},
    {"accumulate": "epoch", "max_weight": 1.5, "reduction": "none"},
])
def test_module_matches_the_formulas_batch_after_batch(params):
    torch.manual_seed(0)
    loss = GHMCWAPLoss(n_classes=4, n_regions=6, **params)
    if loss.accumulate == "epoch":
        loss.set_counts(torch.randn(200, 4), torch.randint(0, 4, (200,)))
    for step in range(25):
        logits = 3 * torch.randn(32, 4)
        target = torch.randint(0, 3 if step < 12 else 4, (32,))  # class 3 absent at first
        expected = _reference_forward(loss, logits, target, loss.counts, loss.steps.item(),
                                      loss.aura_values)
        z = logits.clone().requires_grad_(True)
        value = loss(z, target)
        value.sum().backward()
        torch.testing.assert_close(value.detach(), expected[0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(z.grad, expected[1], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(loss.counts, expected[2], rtol=1e-5, atol=1e-6)
        assert loss.steps.item() == expected[3]
        torch.testing.assert_close(loss.aura_values, expected[4], rtol=1e-5, atol=1e-6)
        if step == 10:
            loss.end_epoch()  # AURA moves the edges mid-way


def test_module_rejects_wrong_class_count_and_bad_params():
    with pytest.raises(ValueError, match="classes"):
        GHMCWAPLoss(n_classes=2)(torch.zeros(3, 4), torch.tensor([0, 1, 2]))
    for kwargs, name in [({"accumulate": "x"}, "accumulate"), ({"momentum": 1.0}, "momentum"),
                         ({"alpha": 2.0}, "alpha"), ({"gamma": -1.0}, "gamma"),
                         ({"max_weight": 0.0}, "max_weight"), ({"normalize": "x"}, "normalize"),
                         ({"n_regions": 0}, "n_regions")]:
        with pytest.raises(ValueError, match=name):
            GHMCWAPLoss(**kwargs)


# ---------------------------------------------------------------------------
# AURA

def test_aura_widths_by_hand():
    # d_i proportional to 1 / log(e + v_i): v = [0, e^2 - e] -> 1/1, 1/2 -> [2/3, 1/3]
    widths = aura_widths(torch.tensor([0.0, math.e ** 2 - math.e]))
    torch.testing.assert_close(widths, torch.tensor([2 / 3, 1 / 3]))
    torch.testing.assert_close(aura_widths(torch.full((4,), 7.0)), torch.full((4,), 0.25))
    edges = aura_edges(widths)
    torch.testing.assert_close(edges, torch.tensor([0.0, 2 / 3, 1.0]))
    assert edges[-1].item() == 1.0


def test_rebin_keeps_totals():
    counts = torch.tensor([[4.0, 0.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0]])
    new = torch.tensor([0.0, 0.125, 0.5, 0.9, 1.0])
    moved = ghm_rebin(counts, ghm_uniform_edges(4), new)
    torch.testing.assert_close(moved.sum(1), counts.sum(1))
    # class 0: [0, .125) half of region 0 -> 2; [.125, .5) -> 2 + 0; [.5, .9) -> 2 + 0.6*2
    torch.testing.assert_close(moved[0], torch.tensor([2.0, 2.0, 3.2, 0.8]))


def test_aura_narrows_dense_regions_after_an_epoch():
    torch.manual_seed(0)
    loss = GHMCWAPLoss(n_classes=2, n_regions=10, adaptive=True)
    # skewed gradient norms: 90% in [0, 0.1), the rest spread over [0.1, 1]
    for _ in range(10):
        g = torch.cat([torch.rand(90) * 0.1, 0.1 + torch.rand(10) * 0.9])
        target = torch.randint(0, 2, (100,))
        logits = torch.zeros(100, 2)
        logits[torch.arange(100), target] = torch.log((1 - g).clamp_min(1e-6) / g.clamp_min(1e-6))
        loss(logits, target)
    total = loss.histograms().sum(1)
    # each example added 1 / (N d_i) = 1 with equal widths
    assert loss.aura_values.sum().item() == pytest.approx(1000.0)
    assert loss.end_epoch() is True
    widths = loss.widths
    assert widths.sum().item() == pytest.approx(1.0)
    assert widths[0] < widths[1:].min()  # dense region 0 is the narrowest
    assert widths[0] < 0.1 < widths[-1]
    assert (torch.diff(loss.edges) > 0).all() and loss.edges[-1].item() == 1.0
    assert loss.aura_values.sum().item() == 0.0  # values reset
    torch.testing.assert_close(loss.histograms().sum(1), total)  # re-binned, kept


def test_ura_keeps_equal_regions():
    loss = GHMCWAPLoss(n_classes=2, n_regions=5, adaptive=False)
    loss(torch.randn(20, 2), torch.randint(0, 2, (20,)))
    assert loss.end_epoch() is False
    torch.testing.assert_close(loss.edges, ghm_uniform_edges(5))
    assert loss.aura_values.sum().item() == 0.0


# ---------------------------------------------------------------------------
# the strategy in the classifier

def test_selectable_by_name_and_object(three_class):
    X, y = three_class
    assert "ghm_cwap" in available()
    by_name = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    by_object = RebalancedNetClassifier(strategy=GHMCWAP(), **FAST).fit(X, y)
    assert isinstance(by_name.strategy_, GHMCWAP)
    assert isinstance(by_name.criterion_, GHMCWAPLoss)
    np.testing.assert_allclose(by_name.predict_proba(X), by_object.predict_proba(X))


def test_history_records_effective_sizes_and_widths(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    sizes = clf.history[:, "ghm_effective_sizes"]
    assert len(sizes) == 3 and all(len(s) == 3 for s in sizes)
    assert np.isfinite(sizes).all() and (np.asarray(sizes) > 0).all()
    # larger classes have larger effective sizes (counts 0.6 / 0.3 / 0.1)
    assert sizes[-1][0] > sizes[-1][1] > sizes[-1][2]
    widths = clf.history[-1, "ghm_region_widths"]
    assert len(widths) == 30 and sum(widths) == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(clf.strategy_.effective_sizes_, torch.tensor(sizes[-1]))
    ura = RebalancedNetClassifier(strategy="ghm_cwap", strategy__adaptive=False, **FAST).fit(X, y)
    assert "ghm_region_widths" not in ura.history[-1]


def test_predict_proba_is_softmax_of_raw_logits(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", strategy__gamma=2.0, **FAST).fit(X, y)
    with torch.no_grad():
        logits = clf.module_(torch.as_tensor(X, dtype=torch.float32))
    np.testing.assert_allclose(clf.predict_proba(X), torch.softmax(logits, 1).numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("params", [
    {"gamma": 0.0}, {"intra": False}, {"adaptive": False},
    {"accumulate": "epoch"}, {"momentum": 0.0}, {"normalize": "class"}, {"alpha": 0.0},
])
def test_ablations_fit(three_class, params):
    X, y = three_class
    clf = RebalancedNetClassifier(
        strategy="ghm_cwap", **{f"strategy__{k}": v for k, v in params.items()}, **FAST
    ).fit(X, y)
    for key, value in params.items():
        assert getattr(clf.criterion_, key) == value
    assert np.isfinite(clf.history[:, "train_loss"]).all()


def test_epoch_mode_counts_the_training_set(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", strategy__accumulate="epoch", **FAST)
    clf.fit(X, y)
    counts = clf.criterion_.histograms()
    np.testing.assert_allclose(counts.sum(1).numpy(), np.bincount(y))


@pytest.mark.parametrize("param, value", [
    ("alpha", 1.5), ("gamma", -0.1), ("n_regions", 0), ("accumulate", "sometimes"),
    ("momentum", 1.0), ("max_weight", 0.0), ("intra", "yes"), ("normalize", "all"),
])
def test_bad_parameters_name_the_parameter(three_class, param, value):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **{f"strategy__{param}": value}, **FAST)
    with pytest.raises((ValueError, TypeError), match=param):
        clf.fit(X, y)


def test_warm_start_keeps_the_histograms(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", warm_start=True, **FAST).fit(X, y)
    steps = clf.criterion_.steps.item()
    clf.fit(X, y)
    assert clf.criterion_.steps.item() == 2 * steps
    fresh = clone(clf).set_params(warm_start=False).fit(X, y)
    assert fresh.criterion_.steps.item() == steps


def test_pickle_roundtrip(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    torch.testing.assert_close(loaded.criterion_.edges, clf.criterion_.edges)


def test_single_example_class_stays_finite():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4)
    y = np.array([0] * 50 + [1] * 9 + [2])
    clf = RebalancedNetClassifier(strategy="ghm_cwap", **FAST).fit(X, y)
    assert np.isfinite(clf.history[:, "train_loss"]).all()
    assert np.isfinite(clf.history[-1, "ghm_effective_sizes"]).all()


@pytest.mark.cuda
def test_no_host_sync_in_the_batch_loop():
    loss = GHMCWAPLoss(n_classes=5).cuda()
    logits = torch.randn(256, 5, device="cuda", requires_grad=True)
    target = torch.randint(0, 5, (256,), device="cuda")
    loss(logits, target)  # warm-up (lazy CUDA init)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):
            loss(logits, target).backward()
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
    # measured: none head 0.874 / tail 0.346, ghm_cwap 0.861 / 0.400
    assert ghm_tail > none_tail + 0.02
    assert ghm_head > none_head - 0.05
