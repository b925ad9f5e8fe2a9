"""Parameters mean what they say (issue 16, items 3-9): numeric checks, strategy
parameter semantics, warm starts, divergence, device handling, predict_nonlinearity,
fit parameters."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils._param_validation import InvalidParameterError

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import (
    CDBStrategy,
    ClassBalancedLossStrategy,
    FocalLossStrategy,
    InstanceDifficultyStrategy,
)

FAST = dict(max_epochs=3, random_state=0)


# item 3 ---------------------------------------------------------------


def test_batch_size_minus_one_trains_on_the_full_batch(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(batch_size=-1, max_epochs=5, random_state=0).fit(X, y)
    assert clf.history[:, "train_batch_count"] == [1] * 5
    assert clf.history[0, "batches"][0]["train_batch_size"] == len(X)
    losses = clf.history[:, "train_loss"]
    assert losses[-1] < losses[0]  # it trained


@pytest.mark.parametrize(
    "param, value",
    [("batch_size", 0), ("batch_size", -2), ("batch_size", 2.5), ("max_epochs", -1),
     ("max_epochs", 0), ("lr", float("inf")), ("lr", -0.1), ("lr", float("nan")),
     ("n_threads", 0), ("train_split", 1.5), ("warm_start", "yes")],
)
def test_numeric_training_parameters_are_checked(three_class, param, value):
    X, y = three_class
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        RebalancedNetClassifier(**{**FAST, param: value}).fit(X, y)


# item 4 ---------------------------------------------------------------


def test_new_strategy_instance_takes_its_own_parameters(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="focal", **FAST).set_params(strategy__gamma=3.0)
    clf.set_params(strategy=FocalLossStrategy(gamma=0.5)).fit(X, y)
    assert clf.criterion_.gamma == 0.5
    assert clf.get_params(deep=True)["strategy__gamma"] == 0.5


def test_switching_strategy_by_name_drops_the_old_ones_parameters(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="cdb", strategy__tau=1.0, **FAST)
    clf.set_params(strategy="focal").fit(X, y)
    assert isinstance(clf.strategy_, FocalLossStrategy) and clf.criterion_.gamma == 2.0
    # a value given with the new strategy in the same call applies
    clf.set_params(strategy="focal", strategy__gamma=1.5).fit(X, y)
    assert clf.criterion_.gamma == 1.5


def test_grid_search_over_strategy_instances_trains_each_with_its_values(imbalanced_binary):
    X, y = imbalanced_binary
    base = RebalancedNetClassifier(strategy="focal", strategy__gamma=3.0, max_epochs=1,
                                   random_state=0)
    candidates = [FocalLossStrategy(gamma=0.5), FocalLossStrategy(gamma=1.0)]
    grid = GridSearchCV(base, {"strategy": candidates}, cv=StratifiedKFold(2),
                        scoring=lambda est, X_, y_: est.criterion_.gamma).fit(X, y)
    np.testing.assert_allclose(grid.cv_results_["mean_test_score"], [0.5, 1.0])
    assert grid.best_estimator_.criterion_.gamma == grid.best_params_["strategy"].gamma == 1.0


def test_get_params_deep_reports_what_the_fit_uses_and_set_params_is_an_identity(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=FocalLossStrategy(gamma=1.0), strategy__gamma=3.0,
                                  **FAST)
    deep = clf.get_params(deep=True)
    assert deep["strategy__gamma"] == 3.0 and deep["strategy__alpha"] is None
    clf.set_params(**deep)
    _assert_same_params(clf.get_params(deep=True), deep)
    assert clf.fit(X, y).criterion_.gamma == 3.0
    listed = RebalancedNetClassifier(strategy=["instance_difficulty", "focal"],
                                     strategy__gamma=0.5)
    deep = listed.get_params(deep=True)
    assert deep["strategy__focal__gamma"] == 0.5
    assert deep["strategy__instance_difficulty__c"] == InstanceDifficultyStrategy().c
    listed.set_params(**deep)
    _assert_same_params(listed.get_params(deep=True), deep)


def _assert_same_params(after, before):
    # skorch builds fresh default callback objects at every get_params call
    # of an uninitialized net: compare those by type, the rest by value
    assert after.keys() == before.keys()
    for key, value in before.items():
        if key.startswith("callbacks__") and key.count("__") == 1:
            assert type(after[key]) is type(value)
        else:
            assert repr(after[key]) == repr(value), key


# item 5 ---------------------------------------------------------------


def test_warm_start_applies_changed_strategy_settings_at_the_next_fit(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="focal", warm_start=True, **FAST).fit(X, y)
    weights = clf.module_.layers[0].weight.detach().clone()
    clf.set_params(strategy__gamma=0.5).fit(X, y)
    assert clf.criterion_.gamma == 0.5 and clf.criterion_ is clf.strategy_.criterion_
    assert len(clf.history) == 6  # training continued
    assert not torch.equal(weights, clf.module_.layers[0].weight)
    clf.set_params(strategy="class_balanced").fit(X, y)
    assert isinstance(clf.strategy_, ClassBalancedLossStrategy)
    assert clf.criterion_ is clf.strategy_.criterion_ and clf.criterion_.class_weight is not None
    assert len(clf.history) == 9
    # unchanged settings keep the strategy (and its state) as it is
    strategy = clf.strategy_
    clf.fit(X, y)
    assert clf.strategy_ is strategy


# item 6 ---------------------------------------------------------------


def test_divergence_raises_and_never_returns_nan_probabilities(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(lr=1e20, **FAST)
    with pytest.raises(ValueError, match="non-finite"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="not finite"):
        clf.predict_proba(X)


# item 7 ---------------------------------------------------------------


def test_set_params_module_and_criterion_on_a_fitted_net_with_device_auto(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="none", device="auto", **FAST).fit(X, y)
    clf.set_params(module__hidden_units=(8,))
    assert clf.module_.layers[0].out_features == 8
    assert clf.get_params()["device"] == "auto"
    clf.set_params(criterion__weight=torch.tensor([1.0, 1.0, 5.0]))
    assert clf.criterion_.weight.tolist() == [1.0, 1.0, 5.0]
    clf.fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_set_params_on_fitted_net_keeps_the_fitted_strategy(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="cdb", strategy__mode="loss", **FAST).fit(X, y)
    strategy = clf.strategy_
    clf.set_params(callbacks__print_log__sink=print)
    assert clf.strategy_ is strategy and clf.criterion_ is strategy.criterion_


@pytest.mark.parametrize("device", ["cuda:99", "tpu", "npu:0"])
def test_unavailable_device_says_what_is_available(three_class, device):
    X, y = three_class
    with pytest.raises(ValueError, match=r"available here: \['cpu'"):
        RebalancedNetClassifier(device=device, **FAST).fit(X, y)


# item 8 ---------------------------------------------------------------


def test_predict_nonlinearity_none_is_refused_and_callables_are_honoured(three_class):
    X, y = three_class
    with pytest.raises(InvalidParameterError, match="'predict_nonlinearity' parameter"):
        RebalancedNetClassifier(predict_nonlinearity=None, **FAST).fit(X, y)
    tempered = RebalancedNetClassifier(
        strategy="none", predict_nonlinearity=lambda z: torch.softmax(z / 2.0, dim=-1), **FAST
    ).fit(X, y)
    logits = tempered.infer_logits(torch.as_tensor(X, dtype=torch.float32))
    expected = torch.softmax(logits.double() / 2.0, dim=-1).numpy()
    np.testing.assert_allclose(tempered.predict_proba(X), expected, rtol=1e-5)


# item 9 ---------------------------------------------------------------


def test_unknown_fit_parameters_are_refused_before_training(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(**FAST)
    with pytest.raises(TypeError, match=r"unexpected parameter\(s\) \['groups_of_rows'\]"):
        clf.fit(X, y, groups_of_rows=np.zeros(len(y)))
    assert len(clf.history) == 0


def test_cdb_sampling_with_another_sampler_strategy_is_refused(three_class):
    X, y = three_class
    # CDB-W with a held-out set owns a sampler (of the rows left to train on)
    held_out = CDBStrategy(mode="loss", difficulty_set="holdout")
    with pytest.raises(ValueError, match="sampler"):
        RebalancedNetClassifier(strategy=["instance_difficulty", held_out], **FAST).fit(X, y)
    # the default, CDB-S, is a sampling strategy: two of them are refused
    with pytest.raises(ValueError, match="one sampling strategy"):
        RebalancedNetClassifier(strategy=["instance_difficulty", CDBStrategy()], **FAST).fit(X, y)
