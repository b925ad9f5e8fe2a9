"""Balanced softmax (Ren et al., NeurIPS 2020): CE(z + log n, y), plain softmax at prediction."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import recall_score

from skrebalance import RebalancedNetClassifier
from skrebalance.functional import class_log_prior, logit_adjusted_loss
from skrebalance.losses import LogitAdjustedLoss
from skrebalance.strategies import BalancedSoftmaxStrategy, LogitAdjustmentStrategy

from test_logit_adjustment import _counts_data, fitting_net, hard_imbalanced_split, module_logits

FAST = dict(max_epochs=3, random_state=0)


def test_loss_is_cross_entropy_of_count_shifted_logits_by_hand():
    # counts (6, 3, 1), z = (1, 0.5, 0): n_c e^{z_c} = (6e, 3e^0.5, 1)
    # = (16.309691, 4.946164, 1), sum 22.255855
    # y = 2: -log(1 / 22.255855) = 3.102605; y = 1: -log(4.946164 / 22.255855) = 1.503993
    z = torch.tensor([[1.0, 0.5, 0.0]] * 2)
    target = torch.tensor([2, 1])
    log_n = torch.log(torch.tensor([6.0, 3.0, 1.0]))
    by_counts = logit_adjusted_loss(z, target, log_n, reduction="none")
    by_prior = logit_adjusted_loss(z, target, class_log_prior([6, 3, 1]), reduction="none")
    np.testing.assert_allclose(by_counts.numpy(), [3.102605, 1.503993], atol=1e-5)
    # log n and log pi differ by a constant per row: the same loss
    np.testing.assert_allclose(by_prior.numpy(), by_counts.numpy(), atol=1e-6)


def test_criterion_after_fit_equals_the_papers_loss():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy="balanced_softmax", **FAST).fit(X, y)
    assert isinstance(clf.criterion_, LogitAdjustedLoss)
    assert clf.criterion_ is clf.strategy_.criterion_
    np.testing.assert_allclose(clf.strategy_.class_counts_.numpy(), [60, 30, 10])
    z = torch.tensor([[1.0, 0.5, 0.0]] * 2)
    target = torch.tensor([2, 1])
    # counts (60, 30, 10) shift like (6, 3, 1): (3.102605 + 1.503993) / 2, as above
    assert clf.criterion_(z, target).item() == pytest.approx((3.102605 + 1.503993) / 2, abs=1e-5)
    # with per-row weights (1, 0): 3.102605 / 2
    weighted = clf.criterion_(z, target, sample_weight=torch.tensor([1.0, 0.0]))
    assert weighted.item() == pytest.approx(3.102605 / 2, abs=1e-5)


def test_prediction_is_the_plain_softmax_of_the_module():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy="balanced_softmax", **FAST).fit(X, y)
    expected = torch.softmax(module_logits(clf, X), dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-4, atol=1e-6)


def test_equals_logit_adjustment_loss_mode_at_tau_one():
    X, y = _counts_data([60, 30, 10])
    bs = RebalancedNetClassifier(strategy="balanced_softmax", **FAST).fit(X, y)
    la = RebalancedNetClassifier(
        strategy=LogitAdjustmentStrategy(tau=1.0, mode="loss"), **FAST
    ).fit(X, y)
    np.testing.assert_allclose(bs.predict_proba(X), la.predict_proba(X), rtol=1e-5)


def test_counts_use_the_nets_training_sample_weights():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    weights = torch.tensor(np.where(y == 2, 3.0, 1.0), dtype=torch.float32)
    # class sums (60, 30, 30), total 120, N = 100 rows: counts (50, 25, 25)
    strategy = BalancedSoftmaxStrategy().initialize()
    strategy.get_criterion(None)
    strategy.on_train_begin(fitting_net(y, weights))
    np.testing.assert_allclose(strategy.class_counts_.numpy(), [50, 25, 25], rtol=1e-5)
    np.testing.assert_allclose(
        strategy.criterion_.log_prior.numpy(), [math.log(0.5), math.log(0.25), math.log(0.25)],
        atol=1e-6,
    )


def test_balanced_softmax_raises_minority_recall():
    X_train, X_test, y_train, y_test = hard_imbalanced_split()
    params = dict(max_epochs=20, random_state=0)
    plain = RebalancedNetClassifier(strategy="none", **params).fit(X_train, y_train)
    bs = RebalancedNetClassifier(strategy="balanced_softmax", **params).fit(X_train, y_train)
    assert recall_score(y_test, bs.predict(X_test)) > recall_score(y_test, plain.predict(X_test)) + 0.1
