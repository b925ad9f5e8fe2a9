"""RebalancedNetClassifier as a scikit-learn classifier: inputs, errors, persistence."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from skorch.dataset import ValidSplit
from torch import nn

from skrebalance import MLP, RebalancedNetClassifier
from skrebalance.strategies import FocalLoss, NoStrategy, available

from test_strategies_common import net_params

FAST = dict(max_epochs=3, random_state=0)


def test_string_labels_roundtrip(three_class):
    X, y = three_class
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = RebalancedNetClassifier(**FAST).fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}
    assert clf.predict_proba(X).shape == (len(X), 3)


@pytest.mark.parametrize("labels", [np.array([-1, 1]), np.array([3, 10])])
def test_non_contiguous_integer_labels(imbalanced_binary, labels):
    X, y = imbalanced_binary
    clf = RebalancedNetClassifier(**FAST).fit(X, labels[y])
    np.testing.assert_array_equal(clf.classes_, labels)
    assert set(np.unique(clf.predict(X))) <= set(labels)


def test_pandas_input_and_feature_names(three_class):
    X, y = three_class
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = RebalancedNetClassifier(**FAST).fit(frame, pd.Series(y))
    assert clf.n_features_in_ == X.shape[1]
    assert list(clf.feature_names_in_) == list(frame.columns)
    np.testing.assert_allclose(clf.predict_proba(frame), clf.predict_proba(X))


def test_int_and_float64_input(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(**FAST).fit(np.round(X * 10).astype(np.int64), y.astype(np.int32))
    assert clf.predict(X.astype(np.float64)).shape == (len(X),)


@pytest.mark.parametrize("strategy", available())
def test_predict_proba_rows_sum_to_one(three_class, strategy):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=strategy, **FAST, **net_params(strategy))
    proba = clf.fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (proba >= 0).all()


def _bad_inputs(X, y):
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    X_inf = X.copy()
    X_inf[1, 1] = np.inf
    return {
        "NaN": (X_nan, y, ValueError, "NaN"),
        "inf": (X_inf, y, ValueError, "infinity"),
        "sparse": (sp.csr_matrix(X), y, TypeError, "[Ss]parse"),
        "empty": (X[:0], y[:0], ValueError, "0 sample"),
        "1-D X": (X[:, 0], y, ValueError, "2D array"),
        "3-D X": (X.reshape(len(X), -1, 1), y, ValueError, "dim 3"),
        "one class": (X, np.zeros_like(y), ValueError, "one class"),
        "continuous y": (X, np.linspace(0, 1, len(y)), ValueError, "continuous"),
        "length mismatch": (X, y[:-3], ValueError, "inconsistent numbers of samples"),
        "y None": (X, None, ValueError, "y"),
    }


@pytest.mark.parametrize(
    "case",
    ["NaN", "inf", "sparse", "empty", "1-D X", "3-D X", "one class",
     "continuous y", "length mismatch", "y None"],
)
def test_bad_training_input_raises_clear_error(three_class, case):
    X, y = three_class
    X_bad, y_bad, error, match = _bad_inputs(X, y)[case]
    with pytest.raises(error, match=match):
        RebalancedNetClassifier(**FAST).fit(X_bad, y_bad)


def test_wrong_feature_count_at_predict(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :-1])


def test_unknown_strategy_and_parameter_raise(three_class):
    X, y = three_class
    with pytest.raises(ValueError, match="Unknown strategy 'nope'"):
        RebalancedNetClassifier(strategy="nope", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="strategy__tau"):
        RebalancedNetClassifier(strategy="focal", strategy__tau=1.0, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="gamma"):
        RebalancedNetClassifier(strategy="focal", strategy__gamma=-1.0, **FAST).fit(X, y)
    with pytest.raises(TypeError, match="strategy must be"):
        RebalancedNetClassifier(strategy=3.5, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="at most one loss strategy"):
        RebalancedNetClassifier(strategy=["focal", FocalLoss(gamma=1)], **FAST).fit(X, y)


def test_seed_reproducibility(three_class):
    X, y = three_class
    a = RebalancedNetClassifier(strategy="focal", **FAST).fit(X, y).predict_proba(X)
    b = RebalancedNetClassifier(strategy="focal", **FAST).fit(X, y).predict_proba(X)
    c = RebalancedNetClassifier(strategy="focal", max_epochs=3, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c.predict_proba(X))


def test_seeded_fit_leaves_global_rng_alone(three_class):
    X, y = three_class
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    RebalancedNetClassifier(**FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_pickle_roundtrip_keeps_predictions_and_strategy_state(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=FocalLoss(alpha="balanced"), **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    torch.testing.assert_close(restored.strategy_.alpha_, clf.strategy_.alpha_)
    assert not hasattr(restored, "train_X_")  # training data are not pickled


def test_clone_gives_unfitted_copy_with_equal_params(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="focal", strategy__gamma=1.5, **FAST).fit(X, y)
    copy = clone(clf)
    assert not hasattr(copy, "module_")
    assert copy.get_params()["strategy__gamma"] == 1.5
    assert copy.get_params()["strategy"] == "focal"


def test_strategy_instance_is_not_modified_by_fit(three_class):
    X, y = three_class
    user_strategy = FocalLoss(gamma=1.0)
    clf = RebalancedNetClassifier(strategy=user_strategy, strategy__gamma=3.0, **FAST).fit(X, y)
    assert user_strategy.gamma == 1.0 and not hasattr(user_strategy, "alpha_")
    assert clf.strategy_.gamma == 3.0 and clf.criterion_.gamma == 3.0


def test_default_mlp_sized_from_data_and_linear_option(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(module__hidden_units=(), **FAST).fit(X, y)
    linears = [m for m in clf.module_.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 1
    assert (linears[0].in_features, linears[0].out_features) == (X.shape[1], 3)
    wide = RebalancedNetClassifier(module__hidden_units=(16, 8), **FAST).fit(X, y)
    widths = [m.out_features for m in wide.module_.modules() if isinstance(m, nn.Linear)]
    assert widths == [16, 8, 3]


class TinyNet(nn.Module):
    def __init__(self, n_in=6, n_out=3):
        super().__init__()
        self.lin = nn.Linear(n_in, n_out)

    def forward(self, X):
        return self.lin(X)


def test_custom_module_as_in_skorch(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(TinyNet, module__n_in=6, **FAST).fit(X, y)
    assert isinstance(clf.module_, TinyNet)
    assert clf.predict(X).shape == (len(X),)


def test_device_auto_resolves(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(**FAST).fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.device_.type == expected
    assert clf.get_params()["device"] == "auto"
    assert next(clf.module_.parameters()).device.type == expected


def test_new_shuffle_every_epoch(three_class):
    from skrebalance._device_data import DeviceDataset

    X, y = three_class
    clf = RebalancedNetClassifier(**FAST).fit(X, y)
    data = DeviceDataset(torch.arange(50.0).view(50, 1), torch.zeros(50, dtype=torch.long))
    iterator = clf.get_iterator(data, training=True)
    first, second = [torch.cat([b.index for b in iterator]) for _ in range(2)]
    assert sorted(first.tolist()) == list(range(50))
    assert not torch.equal(first, second)


def test_training_reduces_loss_and_history_is_recorded(imbalanced_binary):
    X, y = imbalanced_binary
    clf = RebalancedNetClassifier(max_epochs=8, batch_size=128, random_state=0).fit(X, y)
    losses = clf.history[:, "train_loss"]
    assert len(losses) == 8 and losses[-1] < losses[0]
    n_batches = -(-len(X) // clf.batch_size)
    assert clf.history[-1, "train_batch_count"] == n_batches
    assert all(isinstance(b["train_loss"], float) for b in clf.history[-1, "batches"])


def test_train_split_gives_valid_loss(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(train_split=ValidSplit(5, stratified=True), **FAST).fit(X, y)
    assert np.isfinite(clf.history[-1, "valid_loss"])


def test_warm_start_and_partial_fit_continue_training(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(warm_start=True, **FAST).fit(X, y)
    weights = clf.module_.layers[0].weight.detach().clone()
    clf.fit(X, y)
    assert len(clf.history) == 6
    assert not torch.equal(weights, clf.module_.layers[0].weight)
    inc = RebalancedNetClassifier(**FAST)
    inc.partial_fit(X[:100], y[:100], classes=[0, 1, 2]).partial_fit(X[100:], y[100:])
    assert len(inc.history) == 6 and list(inc.classes_) == [0, 1, 2]
    with pytest.raises(ValueError, match="not seen"):
        inc.partial_fit(X[:10], np.full(10, 7))


def test_set_params_on_fitted_net_applies_at_next_fit(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="focal", **FAST).fit(X, y)
    clf.set_params(strategy__gamma=0.5, strategy="focal")
    clf.fit(X, y)
    assert clf.criterion_.gamma == 0.5


def test_grid_search_over_strategy_in_imblearn_pipeline(imbalanced_binary):
    X, y = imbalanced_binary
    pipe = make_pipeline(StandardScaler(), RandomOverSampler(random_state=0),
                         RebalancedNetClassifier(max_epochs=2, random_state=0))
    grid = GridSearchCV(
        pipe,
        [
            {"rebalancednetclassifier__strategy": ["none"]},
            {"rebalancednetclassifier__strategy": ["focal"],
             "rebalancednetclassifier__strategy__gamma": [0.0, 2.0]},
        ],
        cv=StratifiedKFold(2),
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 3
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_[-1]
    assert isinstance(best.strategy_, (FocalLoss, NoStrategy))


def test_strategy_list_routes_parameters(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=["none", "focal"], strategy__gamma=1.0, **FAST)
    clf.fit(X, y)
    assert isinstance(clf.strategy_, FocalLoss) and clf.strategy_.gamma == 1.0
    clf2 = RebalancedNetClassifier(strategy=["focal"], strategy__focal__gamma=0.5, **FAST).fit(X, y)
    assert clf2.criterion_.gamma == 0.5


def test_mlp_accepts_int_hidden_units():
    assert MLP(3, 2, hidden_units=4)(torch.zeros(1, 3)).shape == (1, 2)


@pytest.mark.cuda
def test_cuda_fit_predict_and_state_on_device(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(device="cuda", strategy=FocalLoss(alpha="balanced"), **FAST)
    clf.fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.strategy_.alpha_.is_cuda
    assert clf.predict_proba(X).shape == (len(X), 3)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X), rtol=1e-5)


def test_strategy_sampler_can_hold_rows_out_and_weight_the_rest(three_class):
    from skrebalance.samplers import DeviceWeightedSampler
    from skrebalance.strategies import RebalancingStrategy

    seen = []

    class KeepEvenRows(RebalancingStrategy):
        @property
        def provides_sampling(self):
            return True

        def on_train_begin(self, net, **kwargs):
            n = net.train_y_.shape[0]
            w = torch.zeros(n, device=net.device_)
            w[:10] = 1.0  # only rows 0, 2, ..., 8 survive the restriction
            rows = torch.arange(0, n, 2, device=net.device_)
            self.sampler_ = DeviceWeightedSampler(n, weights=w, rows=rows)

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training:
                seen.append(batch.index)

    X, y = three_class
    RebalancedNetClassifier(strategy=KeepEvenRows(), **FAST).fit(X, y)
    order = torch.cat(seen)
    assert len(order) == 3 * ((len(X) + 1) // 2)
    assert set(order.tolist()) <= {0, 2, 4, 6, 8}


def test_seeded_fits_in_threads_are_reproducible(imbalanced_binary):
    from concurrent.futures import ThreadPoolExecutor

    X, y = imbalanced_binary

    def fit(seed):
        clf = RebalancedNetClassifier(strategy="cdb", max_epochs=3, random_state=seed)
        clf.fit(X, y)
        return [p.detach().clone() for p in clf.module_.parameters()], clf.predict_proba(X)

    sequential = [fit(seed) for seed in (0, 1, 0, 1)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fit, (0, 1, 0, 1)))
    for (params_a, proba_a), (params_b, proba_b) in zip(sequential, threaded):
        # the fits (one intra-op thread each) are identical; a prediction runs
        # on the calling thread's own thread count, which on a many-core
        # machine may split a matrix product's sums differently
        for a, b in zip(params_a, params_b):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        np.testing.assert_allclose(proba_a, proba_b, rtol=1e-5, atol=1e-7)


def test_repr_names_the_strategy():
    assert "strategy='cdb'" in repr(RebalancedNetClassifier(strategy="cdb"))


def test_focal_balanced_alpha_is_inverse_frequency_summing_to_c(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=FocalLoss(alpha="balanced"), **FAST).fit(X, y)
    counts = np.bincount(y).astype(float)
    expected = (1 / counts) * 3 / (1 / counts).sum()
    np.testing.assert_allclose(clf.strategy_.alpha_.cpu().numpy(), expected, rtol=1e-6)


def test_adjust_logits_applies_to_predictions_not_to_infer_proba(three_class):
    from skrebalance.strategies import RebalancingStrategy

    class FavourLastClass(RebalancingStrategy):
        def adjust_logits(self, net, logits):
            return logits + torch.tensor([0.0, 0.0, 50.0], device=logits.device)

    X, y = three_class
    clf = RebalancedNetClassifier(strategy=FavourLastClass(), **FAST).fit(X, y)
    assert (clf.predict(X) == 2).all()
    np.testing.assert_allclose(clf.predict_proba(X)[:, 2], 1.0, atol=1e-6)
    raw = clf.infer_proba(torch.as_tensor(X, dtype=torch.float32))
    assert (raw.argmax(dim=1) != 2).any()
