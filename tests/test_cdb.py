"""CDB (Sinha et al., ACCV 2020 / IJCV 2022): the formulas and the strategy."""

import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit
from skorch.history import History

from skrebalance import RebalancedNetClassifier
from skrebalance.functional import (
    cdb_tau,
    cdb_weights,
    class_difficulty_bias,
    effective_number_weights,
)
from skrebalance.functional._class_accuracy import pooled_class_accuracy
from skrebalance.strategies import CDB, FocalLoss
from skrebalance.strategies._cdb_difficulty import (
    class_hits,
    difficulty_accuracy,
    split_difficulty_set,
)

FAST = dict(max_epochs=3, random_state=0, device="cpu")
SMALL = dict(module__hidden_units=(16,), batch_size=64)
BEHAVIOUR = dict(module__hidden_units=(16,), batch_size=128, lr=0.03, max_epochs=15, random_state=0,
                 device="cpu")
#: CDB-W-CE measured on a held-out set: the defaults before issue 21 (the paper's protocol)
LOSS_HOLDOUT = dict(mode="loss", difficulty_set="holdout")

# ----------------------------------------------------------------------
# difficulty bias and tau, against hand computations
#
# eps = 0.01, B_M = 1/eps - 1 = 99, T_M = 5.
# bias 1:    linear 5 * 1/99 = 0.050505; poly(p=2) 5 / 99^2 = 5.10152e-4;
#            poly(p=3) 5 / 99^3 = 5.15305e-6; log 5 ln 2 / ln 100 = 0.752575;
#            sigmoid 5 (2 / (1 + e^-1) - 1) = 5 tanh(1/2) = 2.310586
# bias 49.5: linear 2.5; poly(2) 5 / 4 = 1.25; poly(3) 5 / 8 = 0.625;
#            log 5 ln 50.5 / ln 100 = 4.258228; sigmoid 5 tanh(24.75) = 5.0
# bias 99:   every variant gives T_M = 5
# bias 0:    every variant gives 0
TAU_HAND = {
    ("linear", 2): {0.0: 0.0, 1.0: 0.050505, 49.5: 2.5, 99.0: 5.0},
    ("poly", 2): {0.0: 0.0, 1.0: 5.10152e-4, 49.5: 1.25, 99.0: 5.0},
    ("poly", 3): {0.0: 0.0, 1.0: 5.15305e-6, 49.5: 0.625, 99.0: 5.0},
    ("log", 2): {0.0: 0.0, 1.0: 0.752575, 49.5: 4.258228, 99.0: 5.0},
    ("sigmoid", 2): {0.0: 0.0, 1.0: 2.310586, 49.5: 5.0, 99.0: 5.0},
}


@pytest.mark.parametrize("variant, power", sorted(TAU_HAND))
def test_tau_variants_against_hand_values(variant, power):
    for bias, expected in TAU_HAND[(variant, power)].items():
        tau = cdb_tau(bias, variant, max_tau=5.0, eps=0.01, power=power)
        assert tau.item() == pytest.approx(expected, rel=1e-4, abs=1e-9), (variant, bias)


def test_tau_is_positive_increasing_and_clipped_at_max_tau():
    biases = torch.linspace(0, 99, 50)
    for variant in ("linear", "poly", "log", "sigmoid"):
        taus = torch.stack([cdb_tau(b, variant) for b in biases])
        assert (taus >= 0).all() and (taus.diff() >= 0).all()
        # a bias above B_M (only possible by hand) is clipped: tau <= T_M
        assert cdb_tau(500.0, variant).item() == pytest.approx(5.0)
    # T_M and eps: B_M = 1/0.1 - 1 = 9, bias 3 -> linear 2 * 3 / 9
    assert cdb_tau(3.0, "linear", max_tau=2.0, eps=0.1).item() == pytest.approx(2 / 3)


def test_difficulty_bias_against_hand_values():
    # max 0.9, min 0.5: 0.9 / 0.51 - 1 = 0.764706
    assert class_difficulty_bias([0.5, 0.9, 0.7]).item() == pytest.approx(0.764706, rel=1e-5)
    # one class perfect, one never right: 1 / 0.01 - 1 = 99 = B_M
    assert class_difficulty_bias([1.0, 0.0]).item() == pytest.approx(99.0)
    # equal accuracies: a / (a + 0.01) - 1 < 0, clipped to 0 (also all 0 and all 1)
    for acc in ([0.6, 0.6], [0.0, 0.0], [1.0, 1.0]):
        assert class_difficulty_bias(acc).item() == 0.0
    # eps = 0.1: 0.8 / 0.5 - 1 = 0.6
    assert class_difficulty_bias(torch.tensor([0.4, 0.8]), eps=0.1).item() == pytest.approx(0.6)


def test_cdb_weights_against_hand_values():
    # A = (0.5, 0.75, 0.9): d = (0.5, 0.25, 0.1); tau = 2: d^2 = (0.25, 0.0625, 0.01),
    # sum 0.3225 -> 3 * d^2 / sum = (2.325581, 0.581395, 0.093023)
    w = cdb_weights([0.5, 0.75, 0.9], tau=2.0)
    np.testing.assert_allclose(w.numpy(), [2.325581, 0.581395, 0.093023], rtol=1e-5)
    # tau = 1: (0.5, 0.25, 0.1) / 0.85 * 3 = (1.764706, 0.882353, 0.352941)
    w = cdb_weights(torch.tensor([0.5, 0.75, 0.9]), tau=torch.tensor(1.0))
    np.testing.assert_allclose(w.numpy(), [1.764706, 0.882353, 0.352941], rtol=1e-5)
    # the floor m = 0.1 mixes with uniform: 0.9 * w + 0.1
    w = cdb_weights([0.5, 0.75, 0.9], tau=1.0, min_weight=0.1)
    np.testing.assert_allclose(w.numpy(), [1.688235, 0.894118, 0.417647], rtol=1e-5)
    assert w.sum().item() == pytest.approx(3.0)


def test_cdb_weights_tau_zero_uniform_and_perfect_classes_never_vanish():
    acc = [0.3, 1.0, 0.8]
    torch.testing.assert_close(cdb_weights(acc, 0.0), torch.ones(3, dtype=torch.float64))
    # perfect class: d floored at eps = 0.01; tau = 1: (0.7, 0.01, 0.2) / 0.91 * 3
    w = cdb_weights(acc, 1.0)
    np.testing.assert_allclose(w.numpy(), [2.307692, 0.032967, 0.659341], rtol=1e-5)
    # with a large tau the floor min_weight keeps it in: at least m
    w = cdb_weights(acc, 50.0, min_weight=0.01)
    assert w[1].item() >= 0.01 and torch.isfinite(w).all()
    # all perfect (0/0 in the paper's formula): uniform
    torch.testing.assert_close(cdb_weights([1.0, 1.0], 5.0), torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cdb_tau(1.0, "cubic"), "variant"),
        (lambda: cdb_tau(-1.0, "linear"), "bias"),
        (lambda: cdb_tau(float("nan"), "linear"), "bias"),
        (lambda: cdb_tau(1.0, "poly", power=1), "power"),
        (lambda: cdb_tau(1.0, "poly", power=2.5), "power"),
        (lambda: cdb_tau(1.0, "linear", eps=0.0), "eps"),
        (lambda: cdb_tau(1.0, "linear", max_tau=-1.0), "max_tau"),
        (lambda: class_difficulty_bias([0.5, 1.2]), "class_accuracy"),
        (lambda: class_difficulty_bias([0.5, float("nan")]), "class_accuracy"),
        (lambda: class_difficulty_bias([[0.5, 0.2]]), "class_accuracy"),
        (lambda: cdb_weights([0.5, 0.2], tau=-1.0), "tau"),
        (lambda: cdb_weights([0.5, 0.2], tau=1.0, min_weight=2.0), "min_weight"),
    ],
)
def test_formula_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------
# class accuracies pooled over measurements (small difficulty sets)


def test_pooled_class_accuracy_against_hand_values():
    # R = 10; class 0 has 2 rows (forgetting m = 1 - 2/10 = 0.8), class 1 has 10 (m = 0),
    # class 2 has 4 (m = 0.6)
    acc, H, N = pooled_class_accuracy([1, 8, 4], [2, 10, 4], min_rows=10)
    np.testing.assert_allclose(acc.numpy(), [0.5, 0.8, 1.0])  # first call: the measurement
    acc, H, N = pooled_class_accuracy([2, 9, 0], [2, 10, 4], H, N, min_rows=10)
    # H = (0.8 * 1 + 2, 9, 0.6 * 4 + 0) = (2.8, 9, 2.4); N = (0.8 * 2 + 2, 10, 0.6 * 4 + 4)
    #   = (3.6, 10, 6.4); A = (0.777778, 0.9, 0.375)
    np.testing.assert_allclose(H.numpy(), [2.8, 9.0, 2.4])
    np.testing.assert_allclose(N.numpy(), [3.6, 10.0, 6.4])
    np.testing.assert_allclose(acc.numpy(), [0.777778, 0.9, 0.375], rtol=1e-6)
    acc, H, N = pooled_class_accuracy([0, 10, 4], [2, 10, 4], H, N, min_rows=10)
    # H = (0.8 * 2.8, 10, 0.6 * 2.4 + 4) = (2.24, 10, 5.44); N = (0.8 * 3.6 + 2, 10,
    #   0.6 * 6.4 + 4) = (4.88, 10, 7.84); A = (0.459016, 1, 0.693878)
    np.testing.assert_allclose(acc.numpy(), [0.459016, 1.0, 0.693878], rtol=1e-5)
    # N tends to R for the small classes: n / (1 - m) = 2 / 0.2 = 4 / 0.4 = 10
    for _ in range(200):
        acc, H, N = pooled_class_accuracy([1, 5, 2], [2, 10, 4], H, N, min_rows=10)
    np.testing.assert_allclose(N.numpy(), [10.0, 10.0, 10.0], rtol=1e-6)
    np.testing.assert_allclose(acc.numpy(), [0.5, 0.5, 0.5], rtol=1e-6)


def test_pooled_class_accuracy_min_rows_one_is_the_measurement_and_empty_is_nan():
    H, N = torch.tensor([3.0, 1.0]), torch.tensor([4.0, 2.0])
    acc, _, _ = pooled_class_accuracy(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0]), H, N,
                                      min_rows=1)
    np.testing.assert_allclose(acc.numpy(), [0.5, 1.0])
    # a class without rows so far: NaN (0 / 0); once pooled, rows 0 keep the pool (m = 1)
    acc, H, N = pooled_class_accuracy([1, 0], [2, 0], min_rows=10)
    assert acc[0].item() == 0.5 and math.isnan(acc[1].item())
    acc, H, N = pooled_class_accuracy([0, 0], [0, 0], H, N, min_rows=10)
    np.testing.assert_allclose(H.numpy(), [1.0, 0.0])
    np.testing.assert_allclose(N.numpy(), [2.0, 0.0])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pooled_class_accuracy([3, 1], [2, 2]), "hits"),
        (lambda: pooled_class_accuracy([-1, 1], [2, 2]), "hits"),
        (lambda: pooled_class_accuracy([1, 1], [2, 2, 2]), "shape"),
        (lambda: pooled_class_accuracy([1, 1], [2, 2], min_rows=0.5), "min_rows"),
        (lambda: pooled_class_accuracy([1, 1], [2, 2], [1.0, 1.0]), "pooled"),
        (lambda: pooled_class_accuracy([1, 1], [2, 2], [1.0], [2.0]), "pooled"),
    ],
)
def test_pooled_class_accuracy_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


class ScriptedNet:
    """What CDB reads from the classifier, with scripted predictions per epoch."""

    def __init__(self, y, k, predictions):
        self.train_y_ = torch.as_tensor(y)
        self.train_X_ = torch.zeros(len(y), 1)
        self.n_classes_, self.device_ = k, torch.device("cpu")
        self.train_split, self.train_generator_ = None, None
        self.history = History()
        self._predictions = iter(predictions)

    def infer_proba(self, X):
        labels = torch.as_tensor(next(self._predictions))
        return torch.nn.functional.one_hot(labels, self.n_classes_).float()

    def epoch(self, strategy):
        self.history.new_epoch()
        self.history.record("epoch", len(self.history))
        strategy.on_epoch_end(self)


def test_strategy_pools_small_classes_against_hand_values():
    # 8 rows of class 0, 2 of class 1, measured on the training rows, R = 10: forgetting
    # m = (1 - 8/10, 1 - 2/10) = (0.2, 0.8); fixed tau = 1, eps = 0.01, no weight floor.
    # epoch 1: everything predicted 0: hits (8, 0), A = (1, 0); d = (0.01, 1):
    #   w = 2 (0.01, 1) / 1.01 = (0.019802, 1.980198)
    # epoch 2: two rows of class 0 wrong, class 1 right: hits (6, 2), rows (8, 2)
    #   H = (0.2 * 8 + 6, 0.8 * 0 + 2) = (7.6, 2), N = (0.2 * 8 + 8, 0.8 * 2 + 2) = (9.6, 3.6)
    #   A = (0.791667, 0.555556), d = (0.208333, 0.444444), sum 0.652778:
    #   w = (0.638298, 1.361702)
    # without pooling (min_rows=1) epoch 2 gives A = (0.75, 1), d = (0.25, 0.01):
    #   w = 2 (0.25, 0.01) / 0.26 = (1.923077, 0.076923): the weights flip
    y = [0] * 8 + [1] * 2
    predictions = [[0] * 10, [0] * 6 + [1] * 2 + [1] * 2]
    expected = {10: ([0.019802, 1.980198], [0.638298, 1.361702], [0.791667, 0.555556]),
                1: ([0.019802, 1.980198], [1.923077, 0.076923], [0.75, 1.0])}
    for min_rows, (w1, w2, acc2) in expected.items():
        strategy = CDB(mode="loss", tau=1.0, difficulty_set="train", min_weight=0.0,
                       min_rows=min_rows)
        strategy.initialize().get_criterion(None)
        net = ScriptedNet(y, 2, predictions)
        strategy.on_train_begin(net)
        net.epoch(strategy)
        np.testing.assert_allclose(strategy.class_weight_.numpy(), w1, rtol=1e-5)
        net.epoch(strategy)
        np.testing.assert_allclose(strategy.class_accuracy_.numpy(), acc2, rtol=1e-5)
        np.testing.assert_allclose(strategy.class_weight_.numpy(), w2, rtol=1e-5)
        np.testing.assert_allclose(net.history[-1, "cdb_class_weight"], w2, rtol=1e-5)
        torch.testing.assert_close(strategy.criterion_.class_weight, strategy.class_weight_)


# ----------------------------------------------------------------------
# reductions of the loss: CDB-W-FL -> CDB-W-CE (gamma 0) -> CE (tau 0)


def test_loss_reduces_to_ce_and_weighted_ce():
    # logits 0, 2 classes: per-example CE = ln 2; weights (0.5, 1.5), targets (0, 1, 1):
    # CDB-W-CE = (0.5 + 1.5 + 1.5) ln 2 / 3 (weighted sum over the batch size)
    target = torch.tensor([0, 1, 1])
    w = torch.tensor([0.5, 1.5])
    fl0 = CDB(base_loss="focal", gamma=0.0).get_criterion(None)
    ce = CDB(base_loss="ce").get_criterion(None)
    fl0.class_weight, ce.class_weight = w, w
    assert fl0(torch.zeros(3, 2), target).item() == pytest.approx(3.5 * math.log(2) / 3)
    torch.manual_seed(0)
    logits = torch.randn(16, 2)
    target = torch.randint(0, 2, (16,))
    torch.testing.assert_close(fl0(logits, target), ce(logits, target))
    ce.class_weight = cdb_weights([0.4, 0.9], tau=0.0).float()  # tau 0: weights 1
    torch.testing.assert_close(ce(logits, target), torch.nn.functional.cross_entropy(logits, target))


def test_trained_cdb_w_fl_at_gamma_zero_is_cdb_w_ce_and_tau_zero_is_plain(imbalanced_binary):
    X, y = imbalanced_binary
    fit = lambda s: RebalancedNetClassifier(strategy=s, **FAST, **SMALL).fit(X, y)  # noqa: E731
    ce = fit(CDB(base_loss="ce", **LOSS_HOLDOUT))
    fl0 = fit(CDB(base_loss="focal", gamma=0.0, **LOSS_HOLDOUT))
    np.testing.assert_allclose(fl0.predict_proba(X), ce.predict_proba(X), rtol=1e-5)
    # tau = 0 (measured on the training set, nothing held out): CE, and focal
    plain = fit("none")
    tau0 = fit(CDB(mode="loss", tau=0.0, difficulty_set="train"))
    np.testing.assert_allclose(tau0.predict_proba(X), plain.predict_proba(X), rtol=1e-5)
    focal = fit(FocalLoss(gamma=2.0))
    fl_tau0 = fit(CDB(mode="loss", tau=0.0, base_loss="focal", gamma=2.0, difficulty_set="train"))
    np.testing.assert_allclose(fl_tau0.predict_proba(X), focal.predict_proba(X), rtol=1e-5)


# ----------------------------------------------------------------------
# the strategy: state, history, difficulty sets


def test_history_records_tau_bias_weights_each_epoch(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(
        strategy=CDB(tau="linear", update_interval=2, **LOSS_HOLDOUT), max_epochs=5,
        random_state=0, device="cpu",
    ).fit(X, y)
    assert len(clf.history[:, "cdb_tau"]) == 5
    weights = np.array(clf.history[:, "cdb_class_weight"])
    assert weights.shape == (5, 3)
    np.testing.assert_allclose(weights.sum(axis=1), 3.0, rtol=1e-5)
    np.testing.assert_allclose(weights[0], 1.0)  # before the first measurement: uniform
    measured = [i for i, row in enumerate(clf.history) if "cdb_class_accuracy" in row]
    assert measured == [1, 3]  # epochs 2 and 4
    strat = clf.strategy_
    acc = torch.tensor(clf.history[-2]["cdb_class_accuracy"])
    bias = class_difficulty_bias(acc)
    assert clf.history[-1, "cdb_bias"] == pytest.approx(bias.item(), rel=1e-5)
    assert strat.tau_.item() == pytest.approx(cdb_tau(bias, "linear").item(), rel=1e-5)
    torch.testing.assert_close(strat.class_weight_, cdb_weights(acc, strat.tau_, 0.01, 0.01))
    assert clf.criterion_ is strat.criterion_
    torch.testing.assert_close(clf.criterion_.class_weight, strat.class_weight_)


class RowIds(Callback):
    """The ids (last column of X) of the rows the training batches held."""

    def on_train_begin(self, net, **kwargs):
        self.seen = set()

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.seen |= set(batch[0][:, -1].long().tolist())


def test_holdout_is_class_balanced_and_held_out_of_training():
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(200, int), np.ones(60, int), np.full(20, 2)]
    X = np.c_[rng.randn(len(y), 3), np.arange(len(y))]  # last column: the row's id

    for mode in ("loss", "sampling"):
        ids = RowIds()
        clf = RebalancedNetClassifier(
            strategy=CDB(mode=mode, difficulty_set="holdout", holdout_size=0.25),
            callbacks=[ids], **FAST,
        ).fit(X, y)
        strat = clf.strategy_
        held = strat.difficulty_rows_.tolist()
        # 0.25 * 20 = 5 rows of each class
        assert np.bincount(y[held]).tolist() == [5, 5, 5]
        assert strat.difficulty_source_ == "holdout"
        assert not ids.seen & set(held)
        assert strat.class_counts_.tolist() == [195.0, 55.0, 15.0]


def test_holdout_falls_back_to_train_with_a_single_row_class():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 2), np.r_[np.zeros(29, int), 1]
    clf = RebalancedNetClassifier(strategy=CDB(**LOSS_HOLDOUT), **FAST).fit(X, y)
    assert clf.strategy_.difficulty_source_ == "train"
    assert clf.strategy_.difficulty_rows_ is None


def test_split_difficulty_set_holds_out_balanced_disjoint_rows():
    y = torch.tensor([0] * 40 + [1] * 10 + [2] * 20)
    generator = torch.Generator().manual_seed(0)
    held, train, counts, source = split_difficulty_set(y, 4, "holdout", 0.3, generator)
    assert source == "holdout" and torch.bincount(y[held]).tolist() == [3, 3, 3]
    assert sorted(held.tolist() + train.tolist()) == list(range(70))
    assert counts.tolist() == [37.0, 7.0, 17.0, 0.0]
    for kind in ("valid", "train"):
        assert split_difficulty_set(y, 3, kind, 0.3)[::3] == (None, kind)
    assert split_difficulty_set(torch.tensor([0, 0, 1]), 2, "holdout", 0.5)[3] == "train"


def test_split_difficulty_set_scores_at_most_max_rows_evenly_spaced_training_rows():
    # classes of 10, 3 and 7 rows, max_rows = 4: class 0 is scored on rows
    # floor(i * 10 / 4) = 0, 2, 5, 7 of its rows (indices 0..9), class 1 on all 3
    # (10, 11, 12), class 2 on rows floor(i * 7 / 4) = 0, 1, 3, 5 of its rows (13..19)
    y = torch.tensor([0] * 10 + [1] * 3 + [2] * 7)
    scored, train, counts, source = split_difficulty_set(y, 3, "train", 0.2, max_rows=4)
    assert scored.tolist() == [0, 2, 5, 7, 10, 11, 12, 13, 14, 16, 18]
    assert train is None and source == "train" and counts.tolist() == [10.0, 3.0, 7.0]
    # no class above max_rows, or max_rows=None: every training row (None)
    assert split_difficulty_set(y, 3, "train", 0.2, max_rows=10)[0] is None
    assert split_difficulty_set(y, 3, "train", 0.2, max_rows=None)[0] is None
    # the holdout ignores max_rows, and its fallback to the training rows uses it
    generator = torch.Generator().manual_seed(0)
    held, train, counts, source = split_difficulty_set(y, 3, "holdout", 0.4, generator, 4)
    assert source == "holdout" and torch.bincount(y[held]).tolist() == [1, 1, 1]
    y1 = torch.tensor([0] * 6 + [1])
    scored, train, counts, source = split_difficulty_set(y1, 2, "holdout", 0.2, None, 3)
    assert source == "train" and scored.tolist() == [0, 2, 4, 6] and train is None


def test_defaults_are_cdb_s_on_the_training_rows_with_nothing_held_out(three_class):
    assert (CDB().mode, CDB().difficulty_set, CDB().max_rows) == ("sampling", "train", 500)
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="cdb", **FAST).fit(X, y)
    strat = clf.strategy_
    assert strat.difficulty_source_ == "train" and strat.train_rows_ is None
    assert strat.difficulty_rows_ is None  # no class above 500 rows: every row scored
    assert len(strat.sampler_) == len(y) and strat.class_counts_.tolist() == np.bincount(y).tolist()
    # the classifier's own cross-entropy trains; the strategy only draws the rows
    assert not strat.provides_loss and clf.criterion_ is not strat.criterion_
    # the per-row draw weights are w_c / n_c, so class c is drawn with probability w_c / C
    w = strat.class_weight_
    torch.testing.assert_close(strat.sampler_.weights, (w / strat.class_counts_)[torch.as_tensor(y)])


def test_max_rows_caps_the_rows_each_class_is_scored_on():
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(700, int), np.ones(60, int)]
    X = rng.randn(len(y), 3) + y[:, None]
    clf = RebalancedNetClassifier(strategy=CDB(max_rows=200), **FAST).fit(X, y)
    strat = clf.strategy_
    assert np.bincount(y[strat.difficulty_rows_.numpy()]).tolist() == [200, 60]
    # class 0 (200 >= min_rows = 50 rows) is measured afresh, class 1 (60) too
    assert strat.pooled_rows_.tolist() == [200.0, 60.0]
    assert len(strat.sampler_) == len(y)  # nothing held out


class StoragePointers(Callback):
    """The storage of the tensors a training step reads, at the end of every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.pointers = []

    def on_epoch_end(self, net, **kwargs):
        strat = net.strategy_
        tensors = [strat.class_weight_]
        tensors += [strat.criterion_.class_weight] if strat.provides_loss else [strat.sampler_.weights]
        self.pointers.append([t.data_ptr() for t in tensors])


@pytest.mark.parametrize("mode", ["sampling", "loss"])
def test_weights_are_updated_in_place_within_a_fit(three_class, mode):
    # a captured training step reads the criterion's or the sampler's weights:
    # they (and class_weight_) keep their storage while their values change
    X, y = three_class
    pointers = StoragePointers()
    clf = RebalancedNetClassifier(strategy=CDB(mode=mode), callbacks=[pointers],
                                  **{**FAST, "max_epochs": 5}).fit(X, y)
    assert all(p == pointers.pointers[0] for p in pointers.pointers)
    weights = np.array(clf.history[:, "cdb_class_weight"])
    assert np.abs(np.diff(weights, axis=0)).max() > 0.01  # the values did move


def _long_tail(seed=0, counts=(300, 120, 50, 20, 8), test_per_class=200):
    """Five classes cut to a long tail for training, and a balanced test set."""
    X, y = make_classification(n_samples=3000, n_features=8, n_informative=6, n_redundant=0,
                               n_classes=5, n_clusters_per_class=1, random_state=seed)
    rng = np.random.RandomState(seed)
    train = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:n]
                            for c, n in enumerate(counts)])
    rest = np.setdiff1d(np.arange(len(y)), train)
    test = np.concatenate([rest[y[rest] == c][:test_per_class] for c in range(len(counts))])
    return X[train], y[train], X[test], y[test]


def test_default_cdb_lifts_the_tail_of_a_long_tailed_problem():
    # training classes of 300, 120, 50, 20 and 8 rows, balanced test set: the
    # default (CDB-S on the training rows) starts from class-balanced draws and
    # beats plain training on the mean class recall and on the two tail classes
    X, y, X_test, y_test = _long_tail()
    recalls, shares = {}, ClassShares()
    for strategy in ("none", "cdb"):
        clf = RebalancedNetClassifier(strategy=strategy, random_state=0, device="cpu",
                                      callbacks=[shares] if strategy == "cdb" else None)
        recalls[strategy] = recall_score(y_test, clf.fit(X, y).predict(X_test), average=None)
    weights = np.array(clf.history[:, "cdb_class_weight"])
    # measured: mean recall 0.740 -> 0.775, tail recall 0.528 -> 0.617, head 0.940 -> 0.905
    assert recalls["cdb"].mean() > recalls["none"].mean() + 0.02
    assert recalls["cdb"][3:].mean() > recalls["none"][3:].mean() + 0.05
    # epoch 1 draws every class equally often (no measurement yet): 498 rows,
    # each class about 100 (binomial s.d. 9), the 8-row class included
    first = shares.counts[0].numpy()
    assert first.sum() == len(y) and np.abs(first - len(y) / 5).max() < 40
    # once the training rows are fitted the accuracies even out and the weights
    # return toward equal (class-balanced sampling), not toward the class counts:
    # measured (1.11, 1.08, 0.94, 0.94, 0.94) in the last epochs
    assert np.abs(weights[-1] - 1.0).max() < 0.2


def test_given_difficulty_set_is_scored_and_never_trained_on():
    # the paper's protocol: a class-balanced set outside the training data,
    # appended to it and marked in a mask (rows 200..229: 15 of each class)
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(150, int), np.ones(50, int), np.repeat([0, 1], 15)]
    X = np.c_[rng.randn(len(y), 3) + y[:, None], np.arange(len(y))]  # last column: row id
    mask = np.arange(len(y)) >= 200

    for mode in ("sampling", "loss"):
        ids = RowIds()
        clf = RebalancedNetClassifier(strategy=CDB(mode=mode, difficulty_set=mask),
                                      callbacks=[ids], **FAST).fit(X, y)
        strat = clf.strategy_
        assert strat.difficulty_source_ == "given"
        assert strat.difficulty_rows_.tolist() == list(range(200, 230))
        assert not ids.seen & set(range(200, 230)) and ids.seen
        assert strat.class_counts_.tolist() == [150.0, 50.0]
        # 15 scored rows per class and measurement, pooled toward min_rows=50:
        # N = 15 + 0.7 * 15 + 0.7^2 * 15 = 32.85 after 3 epochs (m = 1 - 15/50)
        assert strat.pooled_rows_.tolist() == pytest.approx([32.85, 32.85])


@pytest.mark.parametrize(
    "mask, match",
    [
        (np.ones(99, bool), "boolean mask of the 100 training rows"),  # wrong length
        (np.r_[np.ones(50, int), np.zeros(50, int)], "boolean mask"),  # not bool
        (np.zeros(100, bool), "marks 0 of the 100 rows"),
        (np.ones(100, bool), "marks 100 of the 100 rows"),
    ],
)
def test_given_difficulty_set_is_checked_at_fit(mask, match):
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 2), np.r_[np.zeros(70, int), np.ones(30, int)]
    with pytest.raises(ValueError, match=match):
        RebalancedNetClassifier(strategy=CDB(difficulty_set=mask), **FAST).fit(X, y)


def test_given_difficulty_set_with_a_validation_split_is_refused_by_name():
    # the split trains on 75 of the 100 rows the mask was made for
    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 2), np.r_[np.zeros(70, int), np.ones(30, int)]
    with pytest.raises(ValueError, match="difficulty_set.*train_split=None"):
        RebalancedNetClassifier(strategy=CDB(difficulty_set=np.arange(100) < 10),
                                train_split=ValidSplit(4), **FAST).fit(X, y)


def test_class_hits_and_difficulty_accuracy_of_a_measurement():
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0]])
    hits, rows = class_hits(scores, torch.tensor([0, 1, 1]), 3)
    assert hits.tolist() == [1.0, 1.0, 0.0] and rows.tolist() == [1.0, 2.0, 0.0]
    accuracy, pooled_hits, pooled_rows = difficulty_accuracy(hits, rows, None, None, 1)
    # the class without rows takes the mean of the others: (1 + 0.5) / 2
    assert accuracy.tolist() == [1.0, 0.5, 0.75]
    expected = pooled_class_accuracy(hits, rows, min_rows=1)
    torch.testing.assert_close((pooled_hits, pooled_rows), expected[1:])


def test_valid_difficulty_set_uses_the_validation_split(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(
        strategy=CDB(difficulty_set="valid", min_rows=1), train_split=ValidSplit(3), **FAST
    ).fit(X, y)
    assert clf.strategy_.difficulty_source_ == "valid"
    assert clf.strategy_.valid_counts_.sum().item() == 100  # a third of 300 rows
    # without pooling the accuracy is that of the validation predictions of the last epoch
    hits = clf.strategy_.valid_hits_ / clf.strategy_.valid_counts_
    torch.testing.assert_close(clf.strategy_.class_accuracy_, hits)
    # with pooling (the 60 rows of class 0 need none, classes 1 and 2 have 30 and 10 < 50)
    clf = RebalancedNetClassifier(
        strategy=CDB(difficulty_set="valid", min_rows=50), train_split=ValidSplit(3), **FAST
    ).fit(X, y)
    strat = clf.strategy_
    torch.testing.assert_close(strat.class_accuracy_, strat.pooled_hits_ / strat.pooled_rows_)
    assert strat.pooled_rows_[0].item() == strat.valid_counts_[0].item()
    assert (strat.pooled_rows_[1:] > strat.valid_counts_[1:]).all()
    with pytest.raises(ValueError, match="train_split"):
        RebalancedNetClassifier(strategy=CDB(difficulty_set="valid"), **FAST).fit(X, y)


def test_warm_start_keeps_weights_and_difficulty_set(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=CDB(**LOSS_HOLDOUT), warm_start=True, **FAST).fit(X, y)
    rows = clf.strategy_.difficulty_rows_.clone()
    weights = clf.strategy_.class_weight_.clone()
    clf.set_params(max_epochs=1)
    clf.fit(X, y)
    torch.testing.assert_close(clf.strategy_.difficulty_rows_, rows)
    # the first epoch of the second fit trained with the weights of the first fit
    assert len(clf.history) == 4
    assert clf.history[-2, "cdb_class_weight"] == pytest.approx(weights.tolist())


def test_grid_search_over_tau_and_mode_and_pickle(imbalanced_binary):
    X, y = imbalanced_binary
    search = GridSearchCV(
        RebalancedNetClassifier(strategy=CDB(difficulty_set="holdout"), max_epochs=2,
                                random_state=0, device="cpu", **SMALL),
        {"strategy__tau": ["sigmoid", 1.5], "strategy__mode": ["loss", "sampling"]},
        cv=StratifiedKFold(2),
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert best.strategy_.tau == search.best_params_["strategy__tau"]
    restored = pickle.loads(pickle.dumps(best))
    for name in ("class_weight_", "tau_", "bias_", "difficulty_rows_", "class_accuracy_"):
        torch.testing.assert_close(getattr(restored.strategy_, name), getattr(best.strategy_, name))
    np.testing.assert_allclose(restored.predict_proba(X), best.predict_proba(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"tau": "cubic"}, "tau"),
        ({"tau": -1.0}, "tau"),
        ({"mode": "both"}, "mode"),
        ({"power": 1}, "power"),
        ({"eps": 0.0}, "eps"),
        ({"difficulty_set": "test"}, "difficulty_set"),
        ({"holdout_size": 1.0}, "holdout_size"),
        ({"update_interval": 0}, "update_interval"),
        ({"min_weight": 1.5}, "min_weight"),
        ({"min_rows": 0.5}, "min_rows"),
        ({"max_rows": 0}, "max_rows"),
        ({"max_rows": 2.5}, "max_rows"),
    ],
)
def test_invalid_parameters_raise_at_fit(three_class, params, match):
    X, y = three_class
    with pytest.raises(ValueError, match=match):
        RebalancedNetClassifier(strategy=CDB(**params), **FAST).fit(X, y)


# ----------------------------------------------------------------------
# CDB-S: the drawn batches follow w_c / sum(w)


class ClassShares(Callback):
    """Per-epoch class counts of the training batches."""

    def on_train_begin(self, net, **kwargs):
        self.counts = []

    def on_epoch_begin(self, net, **kwargs):
        self.counts.append(torch.zeros(net.n_classes_))

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.counts[-1] += torch.bincount(batch[1], minlength=net.n_classes_).float()


def test_sampling_shares_match_target_probabilities():
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(1500, int), np.ones(400, int), np.full(100, 2)]
    X = rng.randn(len(y), 2) + y[:, None] * 0.7
    shares = ClassShares()
    clf = RebalancedNetClassifier(
        strategy=CDB(mode="sampling", tau=2.0, difficulty_set="holdout"), callbacks=[shares],
        max_epochs=6, random_state=0, device="cpu", **SMALL,
    ).fit(X, y)
    weights = np.array(clf.history[:, "cdb_class_weight"])
    n = int(clf.strategy_.class_counts_.sum())  # rows drawn per epoch
    assert n == len(y) - 3 * 20  # 0.2 * 100 rows of each class held out
    for epoch in range(6):
        drawn = shares.counts[epoch].numpy()
        assert drawn.sum() == n
        # epoch e is drawn with the weights recorded at the end of epoch e - 1
        target = np.ones(3) / 3 if epoch == 0 else weights[epoch - 1] / 3
        tolerance = 4 * np.sqrt(target * (1 - target) / n)  # 4 standard errors
        np.testing.assert_array_less(np.abs(drawn / n - target), tolerance)
    # the weights did move away from uniform: the test can fail
    assert np.abs(weights[1:] - 1).max() > 0.2


# ----------------------------------------------------------------------
# behaviour: CDB follows difficulty, not frequency


def _hard_minority(seed=0):
    # majority N(0, I), 500 rows; minority N((1, 1), I), 60 rows: it overlaps the
    # majority, so plain training misses much of it
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.randn(500, 2), rng.randn(60, 2) + 1.0])
    return X, np.r_[np.zeros(500, int), np.ones(60, int)]


def test_hard_minority_gets_the_largest_weight_and_a_balanced_share():
    X, y = _hard_minority()
    loss = RebalancedNetClassifier(strategy=CDB(**LOSS_HOLDOUT), **BEHAVIOUR).fit(X, y)
    weights = np.array(loss.history[:, "cdb_class_weight"])[-10:].mean(axis=0)
    assert weights[1] > 1.3 > 1 > weights[0]
    sampling = RebalancedNetClassifier(
        strategy=CDB(mode="sampling", difficulty_set="holdout"), **BEHAVIOUR
    ).fit(X, y)
    w = np.array(sampling.history[:, "cdb_class_weight"])[-10:].mean(axis=0)
    # its share of the drawn rows is w_1 / sum(w), far above its frequency 60 / 560
    assert w[1] / w.sum() > 0.35


def _hard_majority(seed=0):
    # majority class 0 (400 rows) is a compact cluster, but 10% of its labels are
    # noise: 30 rows drawn from class 1's cluster, 10 from class 2's. Classes 1
    # (150 rows) and 2 (50 rows) are clean, compact and apart: class 0 is hardest.
    rng = np.random.RandomState(seed)
    m1, m2 = [2.0, 0.0], [-2.0, 0.0]
    c0 = np.vstack([rng.randn(360, 2) * 0.5, rng.randn(30, 2) * 0.5 + m1, rng.randn(10, 2) * 0.5 + m2])
    X = np.vstack([c0, rng.randn(150, 2) * 0.5 + m1, rng.randn(50, 2) * 0.5 + m2])
    return X, np.r_[np.zeros(400, int), np.ones(150, int), np.full(50, 2)]


@pytest.mark.parametrize("mode", ["loss", "sampling"])
def test_hard_majority_gets_more_weight_than_frequency_methods_give(mode):
    X, y = _hard_majority()
    clf = RebalancedNetClassifier(
        strategy=CDB(mode=mode, difficulty_set="train"), **BEHAVIOUR
    ).fit(X, y)
    cdb = np.array(clf.history[:, "cdb_class_weight"])[-10:].mean(axis=0)
    acc = np.array(clf.history[:, "cdb_class_accuracy"])[-10:].mean(axis=0)
    assert acc[0] < 0.95  # its label noise cannot be fitted
    frequency = effective_number_weights(np.bincount(y), 0.999).numpy()  # (0.30, 0.70, 2.00)
    assert frequency.argmin() == 0
    assert cdb[0] > 2.5 * frequency[0]
    if mode == "sampling":  # (CDB-W equalises the accuracies; CDB-S less so)
        assert acc.argmin() == 0 and cdb.argmax() == 0


def test_pooled_weights_do_not_jump_between_late_epochs():
    # 3 classes of 200, 37 and 13 rows: the holdout keeps round(0.2 * 13) = 3 rows of
    # each, so an unpooled accuracy moves in steps of 1/3 and the weights (sum 3)
    # swing by more than 1 from one epoch to the next; pooled (R = 50) they settle
    X, y = make_classification(
        n_samples=250, n_features=8, n_informative=4, n_redundant=0, n_classes=3,
        n_clusters_per_class=1, weights=[0.8, 0.15, 0.05], flip_y=0.01, random_state=0,
    )
    jumps = {}
    for min_rows in (50, 1):
        clf = RebalancedNetClassifier(
            strategy=CDB(min_rows=min_rows, **LOSS_HOLDOUT), module__hidden_units=(16,),
            max_epochs=30, random_state=0, device="cpu",
        ).fit(X, y)
        assert clf.strategy_.difficulty_rows_.numel() == 9
        weights = np.array(clf.history[:, "cdb_class_weight"])[-16:]  # epochs 15 to 30
        jumps[min_rows] = np.abs(np.diff(weights, axis=0)).max()
        if min_rows == 50:
            # 3 held-out rows per class: forgetting m = 1 - 3/50 = 0.94, so after 30
            # measurements N = 3 (1 - 0.94^30) / 0.06 = 50 (1 - 0.156256) = 42.187
            assert clf.strategy_.pooled_rows_.tolist() == pytest.approx([42.187] * 3, rel=1e-4)
    assert CDB().min_rows == 50
    assert jumps[50] < 0.8
    assert jumps[1] > 1.2


@pytest.mark.cuda
def test_state_on_cuda(three_class):
    X, y = three_class
    for mode in ("loss", "sampling"):
        clf = RebalancedNetClassifier(strategy=CDB(mode=mode, difficulty_set="holdout"),
                                      **{**FAST, "device": "cuda"}).fit(X, y)
        strat = clf.strategy_
        for tensor in (strat.class_weight_, strat.tau_, strat.bias_, strat.class_accuracy_,
                       strat.difficulty_rows_, strat.class_counts_):
            assert tensor.is_cuda
        restored = pickle.loads(pickle.dumps(clf))
        assert restored.strategy_.class_weight_.is_cuda
