"""TDE (Tang et al., NeurIPS 2020): the causal-norm head, the moving feature, the counterfactual."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from skorch.callbacks import Callback
from torch import nn

from skrebalance import MLP, CausalNormLinear, RebalancedNetClassifier
from skrebalance.functional import (
    causal_norm_logits,
    direction_logits,
    tde_logits,
    update_moving_feature_,
)
from skrebalance.strategies import TDEStrategy

CPU = dict(device="cpu", random_state=0)
TDE = dict(strategy="tde", module__head="causal_norm", **CPU)

# A hand-worked example, K = 2 chunks of 2 features, tau = 16 (tau / K = 8), gamma = 1/32.
# x = (3, 4 | 0, 2): unit chunks (0.6, 0.8 | 0, 1)
# class 0, w = (3, 4 | 1, 0): norms 5 and 1
#   z_0 = 8 [(0.6*3 + 0.8*4) / (5 + 1/32) + 0 / (1 + 1/32)] = 8 * 5 / 5.03125 = 7.950311
# class 1, w = (0, 2 | 0, 3): norms 2 and 3
#   z_1 = 8 [1.6 / 2.03125 + 3 / 3.03125] = 8 (0.787692 + 0.989691) = 14.219064
X1 = torch.tensor([[3.0, 4.0, 0.0, 2.0]])
W = torch.tensor([[3.0, 4.0, 1.0, 0.0], [0.0, 2.0, 0.0, 3.0]])
Z = [7.950311, 14.219064]
# the moving feature d = (1, 0 | 0, 5): unit chunks (1, 0 | 0, 1); cos(x_1, d_1) = 0.6, cos(x_2, d_2) = 1
#   e_0 = 8 [0.6 * (1, 0).(3, 4) / 5.03125 + 1 * (0, 1).(1, 0) / 1.03125] = 8 * 1.8 / 5.03125 = 2.862112
#   e_1 = 8 [0.6 * (1, 0).(0, 2) / 2.03125 + 1 * (0, 1).(0, 3) / 3.03125] = 8 * 3 / 3.03125 = 7.917526
# alpha = 1: the counterfactual chunks are (0.6, 0.8) - 0.6 (1, 0) = (0, 0.8) and (0, 1) - (0, 1) = 0
#   z_0 = 8 * (0.8 * 4) / 5.03125 = 5.088199 = 7.950311 - 2.862112
#   z_1 = 8 * (0.8 * 2) / 2.03125 = 6.301538 = 14.219064 - 7.917526
D = torch.tensor([1.0, 0.0, 0.0, 5.0])
E = [2.862112, 7.917526]
Z_TDE = [5.088199, 6.301538]


def test_causal_norm_logits_against_hand_values():
    z = causal_norm_logits(X1, W, n_heads=2, tau=16.0, gamma=1 / 32)
    np.testing.assert_allclose(z.numpy(), [Z], rtol=1e-6)
    # the paper's defaults are K=2, tau=16, gamma=1/32
    torch.testing.assert_close(causal_norm_logits(X1, W), z)
    # the scale of the features does not matter, that of the weights only through gamma
    torch.testing.assert_close(causal_norm_logits(7 * X1, W), z)
    # gamma = 0, K = 1: tau times the cosine
    cosine = (X1 @ W.T) / (X1.norm() * W.norm(dim=1))
    torch.testing.assert_close(causal_norm_logits(X1, W, n_heads=1, tau=2.0, gamma=0.0), 2 * cosine)


def test_direction_and_tde_logits_against_hand_values():
    e = direction_logits(X1, W, D, n_heads=2, tau=16.0, gamma=1 / 32)
    np.testing.assert_allclose(e.numpy(), [E], rtol=1e-6)
    z_tde = tde_logits(X1, W, D, alpha=1.0)
    np.testing.assert_allclose(z_tde.numpy(), [Z_TDE], rtol=1e-5)
    # alpha scales the removal; alpha = 0 gives the causal-norm logits
    np.testing.assert_allclose(tde_logits(X1, W, D, alpha=0.5).numpy(),
                               [[Z[0] - 0.5 * E[0], Z[1] - 0.5 * E[1]]], rtol=1e-5)
    torch.testing.assert_close(tde_logits(X1, W, D, alpha=0.0), causal_norm_logits(X1, W))
    # only the direction of each chunk of d matters; a zero direction removes nothing
    torch.testing.assert_close(direction_logits(X1, W, D * torch.tensor([3.0, 3, 0.5, 0.5])), e)
    assert direction_logits(X1, W, torch.zeros(4)).abs().max() == 0


def test_functional_checks_name_the_parameter():
    with pytest.raises(ValueError, match="n_heads"):
        causal_norm_logits(X1, W, n_heads=0)
    with pytest.raises(ValueError, match="n_heads"):
        causal_norm_logits(X1, W, n_heads=5)
    with pytest.raises(ValueError, match="tau"):
        causal_norm_logits(X1, W, tau=0.0)
    with pytest.raises(ValueError, match="gamma"):
        causal_norm_logits(X1, W, gamma=-1.0)
    with pytest.raises(ValueError, match="weight"):
        causal_norm_logits(X1, W[:, :3])
    with pytest.raises(ValueError, match="direction"):
        direction_logits(X1, W, torch.zeros(3))
    with pytest.raises(ValueError, match="alpha"):
        tde_logits(X1, W, D, alpha=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        update_moving_feature_(torch.zeros(4), X1, momentum=1.5)


def test_uneven_chunks():
    # K = 2 on 3 features: chunks of 2 and 1 (torch.tensor_split)
    x, w = torch.tensor([[3.0, 4.0, -2.0]]), torch.tensor([[3.0, 4.0, 1.0]])
    # 1 * [5 * 5 / (5 * 5) + (-2 * 1) / (2 * 1)] = 1 - 1 = 0
    assert causal_norm_logits(x, w, n_heads=2, tau=2.0, gamma=0.0).item() == pytest.approx(0.0)


def test_moving_feature_against_hand_values():
    d = torch.zeros(2)
    update_moving_feature_(d, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))  # 0.9 * 0 + (2, 3)
    np.testing.assert_allclose(d.numpy(), [2.0, 3.0])
    second = torch.tensor([[0.0, 0.0], [2.0, -2.0]])
    same = update_moving_feature_(d, second)  # 0.9 (2, 3) + (1, -1)
    assert same is d
    np.testing.assert_allclose(d.numpy(), [2.8, 1.7], rtol=1e-6)
    # row weights: a row of weight 0 (padding) does not count
    d = torch.tensor([2.0, 3.0])
    update_moving_feature_(d, second, sample_weight=torch.tensor([1.0, 0.0]))  # 0.9 (2, 3) + 0
    np.testing.assert_allclose(d.numpy(), [1.8, 2.7], rtol=1e-6)
    # weights (1, 3): mean (1.5, -1.5); a batch of weight 0 adds nothing
    d = torch.zeros(2)
    update_moving_feature_(d, second, sample_weight=torch.tensor([1.0, 3.0]))
    np.testing.assert_allclose(d.numpy(), [1.5, -1.5])
    update_moving_feature_(d, second, momentum=0.5, sample_weight=torch.zeros(2))
    np.testing.assert_allclose(d.numpy(), [0.75, -0.75])


# ----------------------------------------------------------------------
# the module's head


def test_causal_norm_layer_and_mlp_head():
    layer = CausalNormLinear(4, 2, tau=16.0)
    assert CausalNormLinear(4, 2).tau == 32.0  # the measured default, twice the paper's
    with torch.no_grad():
        layer.weight.copy_(W)
    np.testing.assert_allclose(layer(X1).detach().numpy(), [Z], rtol=1e-6)
    np.testing.assert_allclose(layer.direction_logits(X1, D).detach().numpy(), [E], rtol=1e-6)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]

    torch.manual_seed(0)
    net = MLP(n_features=5, n_classes=3, hidden_units=(8,), head="causal_norm",
              head_params={"tau": 4.0, "n_heads": 4})
    head = net.layers[-1]
    assert isinstance(head, CausalNormLinear) and (head.n_heads, head.tau) == (4, 4.0)
    logits, features = net(torch.randn(6, 5))
    assert logits.shape == (6, 3) and features.shape == (6, 8)
    torch.testing.assert_close(logits, head(features))
    assert logits.abs().max() <= 4.0
    logits.sum().backward()
    assert head.weight.grad is not None
    with pytest.raises(ValueError, match="head_params"):
        MLP(n_features=5, n_classes=3, head="linear", head_params={"tau": 2.0})
    with pytest.raises(ValueError, match="head_params"):
        MLP(n_features=5, n_classes=3, head="causal_norm", head_params={"scale": 2.0})
    with pytest.raises(ValueError, match="n_heads"):
        CausalNormLinear(4, 2, n_heads=5)
    with pytest.raises(ValueError, match="tau"):
        CausalNormLinear(4, 2, tau=0)


# ----------------------------------------------------------------------
# the strategy


def _long_tailed(counts=(300, 110, 40, 15, 6), n_test=150, seed=0):
    """Five classes, IR 50 in training, a balanced test set."""
    X, y = make_classification(4000, n_features=10, n_informative=6, n_classes=5,
                               n_clusters_per_class=1, class_sep=1.0, random_state=seed)
    rng = np.random.RandomState(seed)
    train = np.concatenate([rng.choice(np.flatnonzero(y == c), n, replace=False)
                            for c, n in enumerate(counts)])
    rest = np.setdiff1d(np.arange(len(y)), train)
    test = np.concatenate([rng.choice(np.intersect1d(rest, np.flatnonzero(y == c)), n_test,
                                      replace=False) for c in range(5)])
    return X[train], y[train], X[test], y[test]


@pytest.fixture(scope="module")
def long_tailed():
    return _long_tailed()


@pytest.fixture(scope="module")
def fitted(long_tailed):
    X, y, _, _ = long_tailed
    return RebalancedNetClassifier(max_epochs=40, **TDE).fit(X, y)


def test_tde_moves_predictions_to_the_tail_classes(fitted, long_tailed):
    _, _, X_test, y_test = long_tailed
    clf = clone(fitted).fit(*long_tailed[:2])  # a fresh copy: alpha is changed below
    tde = clf.predict(X_test)
    clf.strategy_.set_params(alpha=0.0)  # no refit: the plain causal-norm prediction
    plain = clf.predict(X_test)
    tail = np.isin(y_test, [3, 4])
    # more rows predicted as the two tail classes, more of them right
    assert np.isin(tde, [3, 4]).sum() > np.isin(plain, [3, 4]).sum()
    assert (tde == y_test)[tail].mean() > (plain == y_test)[tail].mean()


def test_alpha_zero_is_the_causal_norm_prediction_and_alpha_applies_without_refit(fitted, long_tailed):
    _, _, X_test, _ = long_tailed
    clf = pickle.loads(pickle.dumps(fitted))
    strategy = clf.strategy_
    X = torch.as_tensor(X_test, dtype=torch.float32)
    with torch.no_grad():
        logits, features = clf.module_.eval()(X)
    head = clf.module_.layers[-1]
    strategy.set_params(alpha=0.0)
    np.testing.assert_allclose(clf.predict_proba(X_test), logits.double().softmax(1).numpy(),
                               rtol=1e-5, atol=1e-6)
    for alpha in (0.5, 1.0, 2.5):
        strategy.alpha = alpha  # an attribute read at prediction
        expected = tde_logits(features, head.weight.detach(), strategy.direction_, alpha,
                              head.n_heads, head.tau, head.gamma)
        np.testing.assert_allclose(clf.decision_function(X_test), expected.numpy(),
                                   rtol=1e-4, atol=1e-4)
    strategy.alpha = -1.0
    with pytest.raises(ValueError, match="alpha"):
        clf.predict(X_test)


class RecordFeatures(Callback):
    """The features of every training batch, and the direction tensor's storage."""

    def on_train_begin(self, net, **kwargs):
        self.batches, self.weights, self.pointers = [], [], []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training:
            self.batches.append(y_pred[1].clone())
            self.weights.append(batch.sample_weight)
            self.pointers.append(net.strategy_.direction_.data_ptr())


def test_the_moving_feature_follows_every_training_batch_in_place(three_class):
    X, y = three_class
    record = RecordFeatures()
    clf = RebalancedNetClassifier(max_epochs=3, batch_size=64, callbacks=[record],
                                  train_split=0.2, strategy__momentum=0.5,
                                  **TDE).fit(X, y)
    expected = torch.zeros(128)
    for features in record.batches:
        expected = 0.5 * expected + features.mean(0)
    assert len(record.batches) == 3 * 4  # 240 training rows: 4 batches of <= 64
    torch.testing.assert_close(clf.strategy_.direction_, expected)
    # one tensor, updated in place, for the whole fit (validation batches do not count)
    assert set(record.pointers) == {clf.strategy_.direction_.data_ptr()}
    assert clf.history[-1, "valid_acc"] >= 0  # the validation scores use the TDE logits


def test_sample_weight_weights_the_moving_feature(three_class):
    X, y = three_class
    weight = np.ones(len(y))
    weight[::2] = 0.0
    record = RecordFeatures()
    clf = RebalancedNetClassifier(max_epochs=1, batch_size=-1, callbacks=[record], **TDE)
    clf.fit(X, y, sample_weight=weight)
    (features,), (rows,) = record.batches, record.weights
    assert rows.sum() == len(y) // 2
    torch.testing.assert_close(clf.strategy_.direction_, features[rows > 0].mean(0))


def test_persistence_keeps_the_moving_feature(fitted, long_tailed, tmp_path):
    _, _, X_test, _ = long_tailed
    expected = fitted.predict_proba(X_test)
    for copy in (pickle.loads(pickle.dumps(fitted)),):
        torch.testing.assert_close(copy.strategy_.direction_, fitted.strategy_.direction_)
        np.testing.assert_allclose(copy.predict_proba(X_test), expected)
    files = {name: tmp_path / f"{name}.pt" for name in ("f_params", "f_history")}
    fitted.save_params(**files)
    loaded = RebalancedNetClassifier(max_epochs=40, **TDE)
    loaded.fit(*long_tailed[:2])  # another fit, then the saved state on top
    loaded.load_params(**files)
    torch.testing.assert_close(loaded.strategy_.direction_, fitted.strategy_.direction_)
    np.testing.assert_allclose(loaded.predict_proba(X_test), expected, rtol=1e-6)
    # clone keeps the parameters, not the state
    fresh = clone(RebalancedNetClassifier(strategy__alpha=0.3, **TDE))
    assert fresh.get_params()["strategy__alpha"] == 0.3


def test_warm_start_continues_the_moving_feature(three_class):
    X, y = three_class
    record = RecordFeatures()
    clf = RebalancedNetClassifier(max_epochs=1, warm_start=True, callbacks=[record],
                                  **TDE).fit(X, y)
    first = clf.strategy_.direction_.clone()
    clf.fit(X, y)  # the recorder holds this fit's batches
    expected = first
    for features in record.batches:
        expected = 0.9 * expected + features.mean(0)
    torch.testing.assert_close(clf.strategy_.direction_, expected)


def test_composes_with_instance_difficulty(long_tailed):
    X, y, X_test, _ = long_tailed
    clf = RebalancedNetClassifier(strategy=["instance_difficulty", "tde"],
                                  module__head="causal_norm", max_epochs=5, **CPU)
    clf.set_params(strategy__tde__alpha=0.5)
    clf.fit(X, y)
    difficulty, tde = clf.strategy_
    assert difficulty.sampler_ is not None and tde.alpha == 0.5
    assert tde.direction_.abs().sum() > 0
    before = clf.decision_function(X_test)
    tde.set_params(alpha=0.0)
    assert not np.allclose(before, clf.decision_function(X_test))


def test_the_default_mlp_gets_the_head_and_another_head_is_refused(three_class):
    X, y = three_class
    # the default MLP is built with the head the strategy asks for ...
    assert TDEStrategy().module_params() == {"head": "causal_norm"}
    clf = RebalancedNetClassifier(strategy="tde", max_epochs=1, **CPU).fit(X, y)
    assert isinstance(clf.module_.layers[-1], CausalNormLinear)
    # ... unless module__head says otherwise
    with pytest.raises(ValueError, match="module__head='causal_norm'.*Linear"):
        RebalancedNetClassifier(strategy="tde", module__head="linear", max_epochs=1,
                                **CPU).fit(X, y)

    class LogitsOnly(nn.Module):  # has the layer, but returns only the logits
        def __init__(self, n_features=6, n_classes=3):
            super().__init__()
            self.head = CausalNormLinear(n_features, n_classes)

        def forward(self, X):
            return self.head(X)

    with pytest.raises(ValueError, match=r"\(logits, features\)"):
        RebalancedNetClassifier(LogitsOnly, strategy="tde", max_epochs=1, **CPU).fit(X, y)


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="alpha"):
        TDEStrategy(alpha=-0.5).initialize()
    with pytest.raises(ValueError, match="momentum"):
        TDEStrategy(momentum=1.5).initialize()
