"""Behavioural checks of every strategy on the device of ``--device`` (CPU by default).

``pytest --device cuda tests/test_strategies_device.py`` runs them on a GPU
(with the captured training step, ``cuda_graph="auto"``). Each strategy must
train on that device, keep its state there, and re-balance in its intended
direction: the rare classes get more probability on their own rows than plain
cross-entropy (``"none"``) gives them.
"""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import available, get_strategy_class

RARE = (1, 2)


@pytest.fixture(scope="module")
def long_tail():
    X, y = make_classification(n_samples=800, n_features=8, n_informative=4, n_classes=3,
                               weights=[0.88, 0.09, 0.03], class_sep=0.8, flip_y=0.0,
                               random_state=3)
    return X.astype(np.float32), y


def _rare_probability(clf, X, y):
    proba = clf.predict_proba(X)
    return np.mean([proba[y == c, c].mean() for c in RARE])


def _fit(strategy, device, X, y, **params):
    return RebalancedNetClassifier(strategy=strategy, max_epochs=15, random_state=0,
                                   device=device, **params).fit(X, y)


@pytest.fixture(scope="module")
def plain_rare_probability(long_tail, request):
    X, y = long_tail
    device = request.config.getoption("--device")
    return _rare_probability(_fit("none", device, X, y), X, y)


@pytest.mark.parametrize("name", [n for n in available() if n != "none"])
def test_strategy_trains_on_the_device_and_favours_the_rare_classes(
        long_tail, plain_rare_probability, name, device):
    X, y = long_tail
    # what a strategy needs of the module (tde: the causal-norm head)
    needs = getattr(get_strategy_class(name)(), "module_params", dict)()
    clf = _fit(name, device, X, y, **{f"module__{k}": v for k, v in needs.items()})
    assert clf.device_.type == device
    if device == "cuda":
        assert clf.cuda_graph_
    for value in vars(clf.strategy_).values():
        if torch.is_tensor(value):
            assert value.device.type == device
    losses = clf.history[:, "train_loss"]
    assert np.isfinite(losses).all()
    assert _rare_probability(clf, X, y) > plain_rare_probability
