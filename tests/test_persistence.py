"""Pickling, deepcopy and save/load of fitted nets: state and object identity."""

import copy
import pickle

import numpy as np
import pytest
import torch

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import CDBStrategy, available

from test_strategies_common import net_params

FAST = dict(max_epochs=2, random_state=0)

LOSS_STRATEGIES = ["focal", "class_balanced",
                   pytest.param(CDBStrategy(mode="loss"), id="cdb-loss")]


@pytest.mark.parametrize("strategy", LOSS_STRATEGIES)
@pytest.mark.parametrize("copier", [lambda c: pickle.loads(pickle.dumps(c)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_copy_keeps_criterion_owned_by_strategy(three_class, strategy, copier):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=strategy, **FAST).fit(X, y)
    assert clf.criterion_ is clf.strategy_.criterion_
    restored = copier(clf)
    assert restored.criterion_ is restored.strategy_.criterion_
    assert restored.criterion_ is not clf.criterion_
    for key, value in clf.criterion_.state_dict().items():
        torch.testing.assert_close(restored.criterion_.state_dict()[key], value)
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("strategy", available())
def test_pickle_keeps_callbacks_and_strategies_in_step(three_class, strategy):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=strategy, **FAST, **net_params(strategy)).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    by_name = dict(restored.callbacks_)
    assert by_name["strategy_0"] is restored.strategies_[0]
    assert restored.strategy_ is restored.strategies_[0]


@pytest.mark.cuda
@pytest.mark.parametrize("strategy", ["cdb", "class_balanced", "instance_difficulty"])
def test_cuda_fitted_net_unpickles_and_predicts_on_a_cpu_only_machine(
    three_class, strategy, monkeypatch, tmp_path
):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=strategy, device="auto", **FAST).fit(X, y)
    assert clf.device_.type == "cuda"
    expected = clf.predict_proba(X)
    blob = pickle.dumps(clf)
    clf.save_params(f_params=str(tmp_path / "params.pt"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored = pickle.loads(blob)  # as on a machine without CUDA
    assert restored.device_.type == "cpu"
    for value in vars(restored.strategy_).values():
        if torch.is_tensor(value):
            assert value.device.type == "cpu"
    if restored.strategy_.provides_loss:
        assert restored.criterion_ is restored.strategy_.criterion_
        assert all(b.device.type == "cpu" for b in restored.criterion_.buffers())
    np.testing.assert_allclose(restored.predict_proba(X), expected, rtol=1e-4, atol=1e-6)
    fresh = RebalancedNetClassifier(strategy=strategy)
    fresh.load_params(f_params=str(tmp_path / "params.pt"))
    assert fresh.device_.type == "cpu"
    np.testing.assert_allclose(fresh.predict_proba(X), expected, rtol=1e-4, atol=1e-6)
