"""The warm-up + cosine learning-rate schedule (skrebalance.callbacks)."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_classification
from skorch.callbacks import LRScheduler

from skrebalance import RebalancedNetClassifier
from skrebalance.callbacks import WarmupCosineLR, warmup_cosine_factor


def test_factor_by_hand():
    # T = 100, 5 % warm-up: w = 5 steps at 1/5, 2/5, ..., 5/5
    assert [warmup_cosine_factor(t, 100) for t in range(5)] == [0.2, 0.4, 0.6, 0.8, 1.0]
    # then 0.5 (1 + cos(pi (t - 5) / 95))
    assert warmup_cosine_factor(5, 100) == 1.0
    assert warmup_cosine_factor(52, 100) == pytest.approx(0.5 * (1 + math.cos(math.pi * 47 / 95)))
    assert warmup_cosine_factor(52.5, 100) == pytest.approx(0.5)  # half way: 47.5 / 95
    assert warmup_cosine_factor(99, 100) == pytest.approx(0.5 * (1 + math.cos(math.pi * 94 / 95)))
    # no warm-up below 20 steps (int(0.05 T) = 0): cosine from the first step
    assert warmup_cosine_factor(0, 10) == 1.0
    assert warmup_cosine_factor(5, 10) == pytest.approx(0.5)


def _data():
    return make_classification(100, n_features=5, random_state=0)


def test_lr_per_batch_in_a_fit():
    X, y = _data()
    # 100 rows, batch 25: 4 steps per epoch, 10 epochs = 40 steps, 2 warm-up steps
    clf = RebalancedNetClassifier(lr=0.1, max_epochs=10, batch_size=25, random_state=0)
    clf.fit(X, y)
    lrs = [b["lr"] for epoch in clf.history for b in epoch["batches"]]
    expected = [0.1 * warmup_cosine_factor(t, 40) for t in range(40)]
    np.testing.assert_allclose(lrs, expected)
    assert lrs[:3] == pytest.approx([0.05, 0.1, 0.1])
    # the optimizer's base rate is put back when training ends
    assert clf.optimizer_.param_groups[0]["lr"] == 0.1


def test_auto_budget_drives_the_schedule():
    X, y = _data()
    clf = RebalancedNetClassifier(random_state=0).fit(X, y)
    # 100 rows: batch 32 (2**round(log2 6.25) = 8 -> 32), 4 steps/epoch, 250 epochs
    schedule = dict(clf.callbacks_)["lr_schedule"]
    assert len(clf.history) == 250
    assert clf.history[0, "batches", 0, "train_batch_size"] == 32
    assert schedule.total_steps_ == schedule.step_ == 1000


def test_partial_fit_restarts_the_schedule_from_the_base_rate():
    X, y = _data()
    clf = RebalancedNetClassifier(lr=0.01, max_epochs=2, batch_size=50, random_state=0)
    clf.partial_fit(X, y)
    clf.partial_fit(X, y)
    lrs = [b["lr"] for epoch in clf.history for b in epoch["batches"]]
    first = [0.01 * warmup_cosine_factor(t, 4) for t in range(4)]
    np.testing.assert_allclose(lrs, first + first)


def test_removable_and_replaceable():
    X, y = _data()
    constant = RebalancedNetClassifier(lr=0.01, max_epochs=2, batch_size=50,
                                       callbacks__lr_schedule=None).fit(X, y)
    assert "lr_schedule" not in dict(constant.callbacks_)
    assert "lr" not in constant.history[-1, "batches", -1]
    assert constant.optimizer_.param_groups[0]["lr"] == 0.01
    step = LRScheduler("StepLR", step_size=1, gamma=0.5)
    replaced = RebalancedNetClassifier(lr=0.01, max_epochs=2, batch_size=50,
                                       callbacks__lr_schedule=step).fit(X, y)
    assert dict(replaced.callbacks_)["lr_schedule"] is step
    assert replaced.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0025)


def test_warmup_fraction_checked():
    X, y = _data()
    clf = RebalancedNetClassifier(max_epochs=1, callbacks__lr_schedule=WarmupCosineLR(1.5))
    with pytest.raises(ValueError, match="warmup_fraction"):
        clf.fit(X, y)


def test_inactive_next_to_a_user_lr_scheduler():
    X, y = _data()
    clf = RebalancedNetClassifier(
        lr=0.04, max_epochs=3, batch_size=50,
        callbacks=[LRScheduler("StepLR", step_size=1, gamma=0.5)],
    ).fit(X, y)
    assert clf.optimizer_.param_groups[0]["lr"] == pytest.approx(0.04 * 0.5**3)
    assert "lr" not in clf.history[-1, "batches", -1]
