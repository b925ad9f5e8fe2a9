"""Logit adjustment (Menon et al., ICLR 2021): the formulas, the loss and the strategy."""

import math
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split

from skrebalance import RebalancedNetClassifier
from skrebalance.functional import (
    class_counts,
    class_log_prior,
    logit_adjusted_loss,
    posthoc_adjusted_logits,
)
from skrebalance.losses import LogitAdjustedLoss
from skrebalance.strategies import LogitAdjustmentStrategy

FAST = dict(max_epochs=3, random_state=0)

# log prior of counts (6, 3, 1): log (0.6, 0.3, 0.1)
LOG_PRIOR = [-0.510826, -1.203973, -2.302585]
# logits of one row used throughout
Z = [[1.0, 0.5, 0.0]]


def module_logits(clf, X):
    clf.module_.eval()  # the default MLP has dropout
    with torch.no_grad():
        return clf.module_(torch.as_tensor(X, dtype=torch.float32))


# ----------------------------------------------------------------------
# class counts and priors


def test_class_counts_plain_and_weighted_against_hand_values():
    target = torch.tensor([0, 0, 0, 1, 2])
    assert class_counts(target, 4).tolist() == [3.0, 1.0, 1.0, 0.0]
    # weights (1, 1, 2, 4, 0): class sums (4, 4, 0), total 8, N = 5
    # n = 5 * (4/8, 4/8, 0) = (2.5, 2.5, 0)
    weights = torch.tensor([1.0, 1.0, 2.0, 4.0, 0.0])
    np.testing.assert_allclose(class_counts(target, 3, weights).numpy(), [2.5, 2.5, 0.0])
    # the overall scale of the weights does not matter; equal weights give plain counts
    np.testing.assert_allclose(class_counts(target, 3, 1e-3 * weights).numpy(), [2.5, 2.5, 0.0])
    np.testing.assert_allclose(class_counts(target, 3, torch.full((5,), 7.0)).numpy(), [3, 1, 1])


@pytest.mark.parametrize(
    "weights", [torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0]), torch.tensor([1.0])]
)
def test_class_counts_rejects_bad_weights(weights):
    with pytest.raises(ValueError, match="sample_weight"):
        class_counts(torch.tensor([0, 1]), 2, weights)


def test_class_log_prior_against_hand_values():
    np.testing.assert_allclose(class_log_prior([6, 3, 1]).numpy(), LOG_PRIOR, atol=1e-6)
    # an absent class takes the count of the rarest present one: (4, 1, 1) / 6
    np.testing.assert_allclose(
        class_log_prior(torch.tensor([4.0, 0.0, 1.0])).exp().numpy(), [4 / 6, 1 / 6, 1 / 6],
        rtol=1e-6,
    )


@pytest.mark.parametrize("counts", [[0, 0], [1, -1], [1, float("nan")], [[1, 2]], []])
def test_class_log_prior_rejects_bad_counts(counts):
    with pytest.raises(ValueError, match="class_counts"):
        class_log_prior(counts)


# ----------------------------------------------------------------------
# post-hoc adjustment


def test_posthoc_adjustment_against_hand_values():
    # softmax(z - tau log pi)_c is proportional to e^{z_c} / pi_c^tau
    # tau = 1:   (e/0.6, e^0.5/0.3, 1/0.1) = (4.530470, 5.495737, 10), sum 20.026207
    #            -> (0.226227, 0.274427, 0.499346)
    # tau = 0.5: (e/sqrt 0.6, e^0.5/sqrt 0.3, 1/sqrt 0.1) = (3.509285, 3.010137, 3.162278)
    #            sum 9.681704 -> (0.362466, 0.310910, 0.326624)
    log_prior = class_log_prior([6, 3, 1])
    z = torch.tensor(Z)
    full = posthoc_adjusted_logits(z, log_prior, tau=1.0).softmax(dim=1)
    half = posthoc_adjusted_logits(z, log_prior, tau=0.5).softmax(dim=1)
    np.testing.assert_allclose(full.numpy(), [[0.226227, 0.274427, 0.499346]], atol=1e-6)
    np.testing.assert_allclose(half.numpy(), [[0.362466, 0.310910, 0.326624]], atol=1e-6)
    torch.testing.assert_close(posthoc_adjusted_logits(z, log_prior, tau=0.0), z)


def test_posthoc_adjustment_checks_shapes_and_tau():
    with pytest.raises(ValueError, match="log_prior"):
        posthoc_adjusted_logits(torch.zeros(2, 3), torch.zeros(2))
    with pytest.raises(ValueError, match="tau"):
        posthoc_adjusted_logits(torch.zeros(2, 2), torch.zeros(2), tau=-1.0)


# ----------------------------------------------------------------------
# the logit-adjusted loss


def test_logit_adjusted_loss_against_hand_values():
    # z + log pi: softmax is proportional to pi_c e^{z_c} = (0.6e, 0.3e^0.5, 0.1)
    # = (1.630969, 0.494616, 0.1), sum 2.225585
    # y = 2: -log(0.1 / 2.225585) = 3.102605;  y = 0: -log(1.630969 / 2.225585) = 0.310846
    log_prior = class_log_prior([6, 3, 1])
    z = torch.tensor(Z * 2)
    target = torch.tensor([2, 0])
    losses = logit_adjusted_loss(z, target, log_prior, reduction="none")
    np.testing.assert_allclose(losses.numpy(), [3.102605, 0.310846], atol=1e-5)
    # mean over the batch size with per-row weights (2, 0): 2 * 3.102605 / 2
    weighted = logit_adjusted_loss(z, target, log_prior, sample_weight=torch.tensor([2.0, 0.0]))
    assert weighted.item() == pytest.approx(3.102605, abs=1e-5)
    # tau = 0 is the cross-entropy
    ce = torch.nn.functional.cross_entropy(z, target)
    assert logit_adjusted_loss(z, target, log_prior, tau=0.0).item() == pytest.approx(ce.item())


def test_loss_module_keeps_the_prior_in_a_buffer():
    loss = LogitAdjustedLoss(tau=1.0)
    z, target = torch.zeros(2, 2), torch.tensor([0, 1])
    # no prior yet: cross-entropy, ln 2
    assert loss(z, target).item() == pytest.approx(math.log(2))
    loss.set_log_prior(class_log_prior([3, 1]))
    buffer = loss.log_prior
    loss.set_log_prior(class_log_prior([1, 1]))  # same shape: updated in place
    assert loss.log_prior is buffer
    assert "log_prior" in loss.state_dict()
    loss.set_log_prior(class_log_prior([3, 1]))
    # softmax(log pi) = (3/4, 1/4): (log(4/3) + log 4) / 2
    expected = (math.log(4 / 3) + math.log(4)) / 2
    assert loss(z, target).item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="tau"):
        LogitAdjustedLoss(tau=-0.5)


# ----------------------------------------------------------------------
# the strategy


def _counts_data(counts, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.normal(size=(len(y), n_features)) + y[:, None]
    return X.astype(np.float32), y


def test_posthoc_predict_proba_is_softmax_of_adjusted_module_logits():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy="logit_adjustment", strategy__tau=0.7,
                                  strategy__mode="posthoc", **FAST)
    clf.fit(X, y)
    np.testing.assert_allclose(clf.strategy_.class_counts_.numpy(), [60, 30, 10])
    # log prior (0.6, 0.3, 0.1) as in the hand computation above
    np.testing.assert_allclose(clf.strategy_.log_prior_.numpy(), LOG_PRIOR, atol=1e-6)
    z = module_logits(clf, X)
    expected = torch.softmax(z - 0.7 * torch.tensor(LOG_PRIOR), dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), expected.argmax(axis=1))
    # post-hoc: the net trains with the plain cross-entropy, no strategy loss
    assert clf.strategy_.criterion_ is None
    assert not clf.strategy_.provides_loss


def test_posthoc_trains_the_same_net_as_none():
    X, y = _counts_data([60, 30, 10])
    plain = RebalancedNetClassifier(strategy="none", **FAST).fit(X, y)
    la = RebalancedNetClassifier(strategy="logit_adjustment", strategy__mode="posthoc",
                                 **FAST).fit(X, y)
    torch.testing.assert_close(module_logits(la, X), module_logits(plain, X))
    # tau = 0: the same predictions as well
    la0 = RebalancedNetClassifier(strategy="logit_adjustment", strategy__tau=0.0,
                                  strategy__mode="posthoc", **FAST)
    np.testing.assert_allclose(la0.fit(X, y).predict_proba(X), plain.predict_proba(X), rtol=1e-5)


def test_loss_mode_criterion_is_the_adjusted_loss_and_prediction_plain_softmax():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(
        strategy=LogitAdjustmentStrategy(tau=1.0, mode="loss"), **FAST
    ).fit(X, y)
    assert clf.criterion_ is clf.strategy_.criterion_
    z = torch.tensor(Z * 2)
    target = torch.tensor([2, 0])
    # (3.102605 + 0.310846) / 2, from the hand computation above
    assert clf.criterion_(z, target).item() == pytest.approx((3.102605 + 0.310846) / 2, abs=1e-5)
    expected = torch.softmax(module_logits(clf, X), dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-4, atol=1e-6)


def test_auto_mode_is_posthoc_on_two_classes_and_the_loss_on_more():
    # two classes: plain cross-entropy in training (the same net as "none"),
    # the adjustment at prediction
    X2, y2 = _counts_data([80, 20])
    y2 = np.minimum(y2, 1)
    plain = RebalancedNetClassifier(strategy="none", **FAST).fit(X2, y2)
    auto2 = RebalancedNetClassifier(strategy="logit_adjustment", **FAST).fit(X2, y2)
    assert auto2.strategy_.mode_ == "posthoc"
    assert auto2.criterion_.log_prior.abs().max().item() == 0.0
    torch.testing.assert_close(module_logits(auto2, X2), module_logits(plain, X2))
    log_prior = auto2.strategy_.log_prior_
    expected = torch.softmax(module_logits(auto2, X2) - log_prior, dim=1).numpy()
    np.testing.assert_allclose(auto2.predict_proba(X2), expected, rtol=1e-4, atol=1e-6)
    # three classes: the adjusted loss, plain softmax at prediction
    X, y = _counts_data([60, 30, 10])
    auto3 = RebalancedNetClassifier(strategy="logit_adjustment", **FAST).fit(X, y)
    loss = RebalancedNetClassifier(strategy=LogitAdjustmentStrategy(mode="loss"), **FAST).fit(X, y)
    assert auto3.strategy_.mode_ == "loss"
    np.testing.assert_allclose(auto3.criterion_.log_prior.numpy(), LOG_PRIOR, atol=1e-6)
    np.testing.assert_allclose(auto3.predict_proba(X), loss.predict_proba(X), rtol=1e-5)
    # the default of the classifier is this strategy in "auto" mode
    assert RebalancedNetClassifier(**FAST).fit(X, y).strategy_.mode_ == "loss"


def test_auto_mode_defers_the_loss_to_another_loss_strategy():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy=["focal", "logit_adjustment"], **FAST).fit(X, y)
    focal, la = clf.strategies_
    assert clf.criterion_ is focal.criterion_
    assert la.mode_ == "posthoc" and not la.provides_loss
    expected = torch.softmax(module_logits(clf, X) - la.log_prior_, dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-4, atol=1e-6)
    # "loss" does not step back: two loss strategies are refused
    with pytest.raises(ValueError, match="at most one loss strategy"):
        RebalancedNetClassifier(
            strategy=["focal", LogitAdjustmentStrategy(mode="loss")], **FAST
        ).fit(X, y)


def fitting_net(y, sample_weight=None, max_epochs=10):
    """What a strategy reads from the net between on_train_begin and on_train_end."""
    y = torch.as_tensor(y)
    return SimpleNamespace(
        train_y_=y,
        n_classes_=int(y.max()) + 1,
        train_sample_weight_=None if sample_weight is None else torch.as_tensor(sample_weight),
        device_=torch.device("cpu"),
        max_epochs=max_epochs,
    )


def test_prior_uses_the_nets_training_sample_weights():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    strategy = LogitAdjustmentStrategy(mode="posthoc").initialize()
    strategy.on_train_begin(fitting_net(y))
    np.testing.assert_allclose(strategy.class_counts_.numpy(), [60, 30, 10])
    # weights 1 for class 0, 2 for class 1, 6 for class 2: class sums (60, 60, 60),
    # rescaled to N = 100 rows: balanced, nothing left to adjust
    weights = np.array([1.0, 2.0, 6.0])[y]
    strategy.on_train_begin(fitting_net(y, torch.tensor(weights, dtype=torch.float32)))
    np.testing.assert_allclose(strategy.class_counts_.numpy(), [100 / 3] * 3, rtol=1e-5)
    z = torch.tensor(Z)
    torch.testing.assert_close(strategy.adjust_logits(None, z), z - math.log(1 / 3))
    np.testing.assert_allclose(
        strategy.adjust_logits(None, z).softmax(1).numpy(), z.softmax(1).numpy(), rtol=1e-6
    )


@pytest.mark.parametrize("mode", ["posthoc", "loss"])
def test_composes_with_instance_difficulty_sampling(mode):
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(
        strategy=["instance_difficulty", "logit_adjustment"],
        strategy__logit_adjustment__mode=mode,
        **FAST,
    ).fit(X, y)
    sampling, la = clf.strategy_
    assert sampling.provides_sampling and la.mode == mode
    z = module_logits(clf, X)
    if mode == "posthoc":
        z = z - torch.tensor(LOG_PRIOR)
    np.testing.assert_allclose(clf.predict_proba(X), torch.softmax(z, 1).numpy(), rtol=1e-4, atol=1e-6)


def test_pickle_keeps_the_adjustment():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy="logit_adjustment", **FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


@pytest.mark.parametrize(
    "params, match", [({"tau": -1.0}, "tau"), ({"mode": "prior"}, "mode"), ({"tau": "1"}, "tau")]
)
def test_bad_parameters_raise_at_fit(params, match):
    X, y = _counts_data([20, 10])
    clf = RebalancedNetClassifier(strategy=LogitAdjustmentStrategy(**params), max_epochs=1)
    with pytest.raises((ValueError, TypeError), match=match):
        clf.fit(X, y)


def hard_imbalanced_split(seed=0):
    """Overlapping classes at about 19:1, split into train and test halves."""
    X, y = make_classification(
        n_samples=2000, n_features=8, n_informative=4, weights=[0.95, 0.05],
        class_sep=0.7, flip_y=0.0, random_state=seed,
    )
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=seed)


def test_logit_adjustment_raises_minority_recall_and_balanced_accuracy():
    X_train, X_test, y_train, y_test = hard_imbalanced_split()
    params = dict(max_epochs=20, random_state=0)
    plain = RebalancedNetClassifier(strategy="none", **params).fit(X_train, y_train)
    la = RebalancedNetClassifier(strategy="logit_adjustment", **params).fit(X_train, y_train)
    pred_plain, pred_la = plain.predict(X_test), la.predict(X_test)
    assert recall_score(y_test, pred_la) > recall_score(y_test, pred_plain) + 0.1
    assert balanced_accuracy_score(y_test, pred_la) > balanced_accuracy_score(y_test, pred_plain)


def test_fit_with_balancing_weights_leaves_nothing_to_adjust():
    X, y = _counts_data([60, 30, 10])
    # sample weights 1, 2, 6 per class: class sums (60, 60, 60) -> counts (100/3,) * 3
    weighted = RebalancedNetClassifier(strategy="logit_adjustment", **FAST)
    weighted.fit(X, y, sample_weight=np.array([1.0, 2.0, 6.0])[y])
    balanced = RebalancedNetClassifier(strategy="logit_adjustment", class_weight="balanced", **FAST)
    balanced.fit(X, y)
    for clf in (weighted, balanced):
        np.testing.assert_allclose(clf.strategy_.class_counts_.numpy(), [100 / 3] * 3, rtol=1e-5)
        plain = torch.softmax(module_logits(clf, X), dim=1).numpy()
        np.testing.assert_allclose(clf.predict_proba(X), plain, rtol=1e-4, atol=1e-6)
