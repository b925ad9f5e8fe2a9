"""RebalancedNetClassifier() as shipped: the documented recipe, raw X, reproducibility."""

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score

from skrebalance import MLP, RebalancedNetClassifier
from skrebalance.callbacks import WarmupCosineLR
from skrebalance.strategies import LogitAdjustmentStrategy


def _imbalanced(n=400, seed=0):
    return make_classification(n, n_features=8, n_informative=4, weights=[0.85, 0.15],
                               class_sep=1.0, random_state=seed)


def test_defaults_are_the_documented_recipe():
    clf = RebalancedNetClassifier()
    assert clf.strategy == "logit_adjustment"
    assert clf.optimizer is torch.optim.AdamW
    assert clf.lr == 2e-3
    assert clf.batch_size == "auto" and clf.max_epochs == "auto"
    assert clf.train_split is None
    X, y = _imbalanced()
    clf.set_params(random_state=0, max_epochs=2).fit(X, y)  # the auto epochs: test_callbacks
    assert isinstance(clf.strategy_, LogitAdjustmentStrategy) and clf.strategy_.tau == 1.0
    assert clf.optimizer_.defaults["weight_decay"] == 0.01
    assert isinstance(dict(clf.callbacks_)["lr_schedule"], WarmupCosineLR)
    module = clf.module_
    assert isinstance(module, MLP) and module.input is not None
    linear = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linear] == [128, 128, 2]
    assert any(isinstance(m, torch.nn.SiLU) for m in module.layers)
    assert [m.p for m in module.layers if isinstance(m, torch.nn.Dropout)] == [0.1, 0.1]
    # 400 rows: batch 2**round(log2 25) = 32, 13 steps per epoch
    assert clf.history[0, "batches", 0, "train_batch_size"] == 32
    assert clf.history[0, "train_batch_count"] == 13


def test_input_statistics_come_from_the_training_rows_and_stay_on_warm_start():
    X, y = _imbalanced()
    clf = RebalancedNetClassifier(max_epochs=2, random_state=0, warm_start=True).fit(X, y)
    np.testing.assert_allclose(clf.module_.input.center.numpy(), np.quantile(X, 0.5, axis=0),
                               rtol=1e-5, atol=1e-6)
    center = clf.module_.input.center.clone()
    clf.fit(X * 3 + 1, y)  # warm start: the statistics the weights learnt with stay
    assert torch.equal(clf.module_.input.center, center)
    clf.partial_fit(X * 3 + 1, y)
    assert torch.equal(clf.module_.input.center, center)
    clf.set_params(warm_start=False).fit(X * 3 + 1, y)  # a fresh fit refits them
    assert not torch.equal(clf.module_.input.center, center)


def test_raw_unscaled_features_work():
    X, y = _imbalanced(600)
    X_raw = X.copy()
    X_raw[:, 0] *= 1e6
    X_raw[:, 1] = X_raw[:, 1] * 1e-4 + 5e3
    train, test = np.arange(400), np.arange(400, 600)
    # the default budget but 20 epochs (260 steps), to keep the test fast
    scaled = RebalancedNetClassifier(max_epochs=20, random_state=0).fit(X[train], y[train])
    raw = RebalancedNetClassifier(max_epochs=20, random_state=0).fit(X_raw[train], y[train])
    proba = raw.predict_proba(X_raw[test])
    assert np.isfinite(proba).all()
    score_raw = balanced_accuracy_score(y[test], raw.predict(X_raw[test]))
    score_scaled = balanced_accuracy_score(y[test], scaled.predict(X[test]))
    assert score_raw > 0.75 and abs(score_raw - score_scaled) < 0.05
    # without the robust input layer the same raw data is not learnt
    off = RebalancedNetClassifier(max_epochs=20, module__input_scaling=None, random_state=0)
    score_off = balanced_accuracy_score(y[test], off.fit(X_raw[train], y[train]).predict(X_raw[test]))
    assert score_off < score_raw - 0.05


def test_default_fit_is_reproducible_with_random_state():
    X, y = _imbalanced(200)
    a = RebalancedNetClassifier(max_epochs=10, random_state=3).fit(X, y).predict_proba(X)
    b = RebalancedNetClassifier(max_epochs=10, random_state=3).fit(X, y).predict_proba(X)
    c = RebalancedNetClassifier(max_epochs=10, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_integer_and_full_batch_budgets_still_work():
    X, y = _imbalanced(200)
    clf = RebalancedNetClassifier(batch_size=-1, max_epochs=4, random_state=0).fit(X, y)
    assert clf.history[:, "train_batch_count"] == [1, 1, 1, 1]
    auto = RebalancedNetClassifier(batch_size=-1, random_state=0, module__hidden_units=(4,))
    assert len(auto.fit(X, y).history) == 300  # one step per epoch: 1000 clipped to 300
