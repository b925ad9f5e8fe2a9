"""Class-balanced loss (Cui et al., 2019): the effective-number formula and the strategy."""

import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skrebalance import RebalancedNetClassifier
from skrebalance.functional import effective_number_weights
from skrebalance.functional._class_weights import auto_beta
from skrebalance.losses import ClassWeightedFocalLoss
from skrebalance.strategies import ClassBalancedLoss, FocalLoss

FAST = dict(max_epochs=3, random_state=0)


# ----------------------------------------------------------------------
# effective_number_weights, against hand computations
#
# E_n = (1 - beta^n) / (1 - beta); w = 1 / E_n, rescaled to sum to C = 3.
# counts (1, 10, 100):
#   beta = 0.9:   0.9^10 = 0.348678, 0.9^100 = 2.656e-5
#                 E = (1, 6.513216, 9.999734); 1/E = (1, 0.153534, 0.100003),
#                 sum 1.253537 -> 3/sum * 1/E = (2.393229, 0.367442, 0.239329)
#   beta = 0.99:  0.99^10 = 0.904382, 0.99^100 = 0.366032
#                 E = (1, 9.561792, 63.396766) -> (2.677719, 0.280044, 0.042237)
#   beta = 0.999: 0.999^10 = 0.990045, 0.999^100 = 0.904792
#                 E = (1, 9.955120, 95.207853) -> (2.700381, 0.271256, 0.028363)
#   beta = 1:     E = n, 1/E = (1, 0.1, 0.01), sum 1.11 -> (2.702703, 0.270270, 0.027027)
#   beta = 0:     E = 1 for every n -> (1, 1, 1)
HAND = {
    0.0: [1.0, 1.0, 1.0],
    0.9: [2.393229, 0.367442, 0.239329],
    0.99: [2.677719, 0.280044, 0.042237],
    0.999: [2.700381, 0.271256, 0.028363],
    1.0: [2.702703, 0.270270, 0.027027],
}


@pytest.mark.parametrize("beta", sorted(HAND))
def test_effective_number_weights_against_hand_values(beta):
    weights = effective_number_weights([1, 10, 100], beta)
    assert weights.dtype == torch.float32
    np.testing.assert_allclose(weights.numpy(), HAND[beta], atol=2e-6)
    assert weights.sum().item() == pytest.approx(3.0)


def test_auto_beta_is_one_minus_one_over_the_largest_count():
    # counts (1, 10, 100): beta = 1 - 1/100 = 0.99, the weights of HAND[0.99]
    assert auto_beta([1, 10, 100]) == pytest.approx(0.99)
    np.testing.assert_allclose(effective_number_weights([1, 10, 100]).numpy(), HAND[0.99], atol=2e-6)
    np.testing.assert_allclose(
        effective_number_weights([1, 10, 100], "auto").numpy(), HAND[0.99], atol=2e-6
    )
    # counts (2, 4): beta = 0.75; E_2 = (1 - 0.5625) / 0.25 = 1.75,
    # E_4 = (1 - 0.31640625) / 0.25 = 2.734375; 1/E = (0.571429, 0.365714),
    # sum 0.937143 -> 2/sum * 1/E = (1.219512, 0.780488)
    assert auto_beta(torch.tensor([2, 4])) == 0.75
    np.testing.assert_allclose(effective_number_weights([2, 4]).numpy(), [1.219512, 0.780488], atol=2e-6)
    # no class above one example: beta 0, equal weights (also all-empty counts)
    assert auto_beta([1, 1, 0]) == 0.0 and auto_beta([0, 0]) == 0.0
    np.testing.assert_allclose(effective_number_weights([1, 0]).numpy(), [1.0, 1.0])


def test_auto_beta_at_30k_rows_with_055_percent_positives():
    # 165 positives, 29835 negatives (0.55 %); weight ratio w_pos / w_neg = E_neg / E_pos.
    # auto, beta = 1 - 1/29835: (1 - 1/n)^n = e^-1 e^(-1/(2n)) = 0.367873, so
    #   E_neg = 29835 * 0.632127 = 18859.5; 165 ln(1 - 1/29835) = -0.00553051,
    #   E_pos = 29835 * (1 - e^-0.00553051) = 29835 * 0.00551525 = 164.547: ratio 114.61
    # beta = 0.999: E_neg = (1 - 0.999^29835) / 0.001 = 1000.0 (0.999^29835 = e^-29.85),
    #   E_pos = (1 - e^(165 ln 0.999)) / 0.001 = (1 - 0.847823) / 0.001 = 152.18: ratio 6.571
    # inverse frequency: 29835 / 165 = 180.82
    counts = [29835, 165]
    ratio = lambda w: (w[1] / w[0]).item()  # noqa: E731
    assert ratio(effective_number_weights(counts)) == pytest.approx(114.61, rel=1e-3)
    assert ratio(effective_number_weights(counts, 0.999)) == pytest.approx(6.571, rel=1e-3)
    assert ratio(effective_number_weights(counts, 1.0)) == pytest.approx(180.82, rel=1e-4)


def test_auto_weights_depend_on_count_ratios_not_on_data_size():
    # w_small / w_large = (1 - e^-1) / (1 - e^-r) for r = n_small / n_max, at any size:
    # r = 0.01 -> 0.632121 / 0.00995017 = 63.53; r = 0.3 -> 0.632121 / 0.259182 = 2.4389
    for scale in (1, 10, 100):
        w = effective_number_weights([1000 * scale, 10 * scale])
        assert (w[1] / w[0]).item() == pytest.approx(63.53, rel=0.01)
        w = effective_number_weights([100 * scale, 30 * scale])
        assert (w[1] / w[0]).item() == pytest.approx(2.4389, rel=0.01)
    # a fixed beta does not: 0.999 at 10 vs 1000 and at 1000 vs 100000 rows
    small = effective_number_weights([1000, 10], 0.999)
    large = effective_number_weights([100000, 1000], 0.999)
    assert (small[1] / small[0]).item() > 5 * (large[1] / large[0]).item()


def test_unnormalized_weights_are_inverse_effective_numbers():
    # beta = 0.9, n = 10: (1 - 0.9) / (1 - 0.9^10) = 0.1 / 0.651322 = 0.153534
    weights = effective_number_weights([10], beta=0.9, normalize=False)
    assert weights.item() == pytest.approx(0.153534, rel=1e-5)


def test_tensor_array_and_list_inputs_agree_and_keep_device():
    counts = [3, 40, 500]
    expected = effective_number_weights(counts, 0.99)
    for given in (np.array(counts), torch.tensor(counts), torch.tensor(counts, dtype=torch.float32)):
        out = effective_number_weights(given, 0.99)
        torch.testing.assert_close(out, expected)
        assert out.device.type == "cpu"


def test_beta_near_one_tends_to_inverse_frequency_without_nan():
    # 1 - beta^n = -expm1(n log beta): no cancellation to 0 when beta is 1 - 1e-12
    near = effective_number_weights([2, 2000, 200000], beta=1 - 1e-12)
    limit = effective_number_weights([2, 2000, 200000], beta=1.0)
    assert torch.isfinite(near).all()
    np.testing.assert_allclose(near.numpy(), limit.numpy(), rtol=1e-3)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.999, 1.0])
def test_zero_count_gets_the_finite_weight_of_a_one_example_class(beta):
    weights = effective_number_weights([0, 1, 50], beta)
    assert torch.isfinite(weights).all()
    assert weights[0].item() == pytest.approx(weights[1].item())


@pytest.mark.parametrize(
    "counts, beta, error",
    [
        ([1, -2], 0.9, ValueError),
        ([1, float("nan")], 0.9, ValueError),
        ([[1, 2]], 0.9, ValueError),
        ([], 0.9, ValueError),
        ([1, 2], 1.5, ValueError),
        ([1, 2], -0.1, ValueError),
        ([1, 2], "0.9", TypeError),
        (["a", "b"], 0.9, TypeError),
    ],
)
def test_bad_input_raises(counts, beta, error):
    with pytest.raises(error, match="class_counts|beta"):
        effective_number_weights(counts, beta)


# ----------------------------------------------------------------------
# the strategy


def test_weights_come_from_training_counts_and_reach_the_criterion(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="class_balanced", strategy__beta=0.99, **FAST).fit(X, y)
    counts = np.bincount(y).astype(float)
    np.testing.assert_array_equal(clf.strategy_.class_counts_.numpy(), counts)
    torch.testing.assert_close(clf.strategy_.class_weight_, effective_number_weights(counts, 0.99))
    assert clf.strategy_.beta_ == 0.99
    # the strategy owns the net's criterion and wrote a copy of the weights into it
    assert clf.criterion_ is clf.strategy_.criterion_
    torch.testing.assert_close(clf.criterion_.class_weight, clf.strategy_.class_weight_)
    assert clf.criterion_.class_weight.data_ptr() != clf.strategy_.class_weight_.data_ptr()
    # the minority (class 2, 10%) weighs most, the majority least
    assert clf.strategy_.class_weight_.argmax().item() == 2
    assert clf.strategy_.class_weight_.argmin().item() == 0


def test_default_beta_is_auto_from_the_training_counts(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="class_balanced", **FAST).fit(X, y)
    counts = np.bincount(y)
    assert clf.strategy_.beta == "auto"
    assert clf.strategy_.beta_ == pytest.approx(1 - 1 / counts.max())
    expected = effective_number_weights(counts, 1 - 1 / counts.max())
    torch.testing.assert_close(clf.strategy_.class_weight_, expected)
    # a validation split: beta follows the counts of the rows trained on
    clf = RebalancedNetClassifier(strategy="class_balanced", train_split=0.2, **FAST).fit(X, y)
    assert clf.strategy_.beta_ == pytest.approx(1 - 1 / clf.strategy_.class_counts_.max().item())
    assert clf.strategy_.class_counts_.sum().item() == 240


def test_reduction_convention_is_weighted_sum_over_batch_size():
    # logits 0: every per-example CE is ln 2; weights (0.5, 1.5), targets (0, 1, 1)
    # sum(w_y * ln 2) / 3 = (0.5 + 1.5 + 1.5) ln 2 / 3
    loss = ClassBalancedLoss().get_criterion(None)
    loss.class_weight = torch.tensor([0.5, 1.5])
    value = loss(torch.zeros(3, 2), torch.tensor([0, 1, 1])).item()
    assert value == pytest.approx(3.5 * math.log(2) / 3)


def test_beta_zero_is_plain_cross_entropy(imbalanced_binary):
    X, y = imbalanced_binary
    plain = RebalancedNetClassifier(strategy="none", **FAST).fit(X, y)
    cb = RebalancedNetClassifier(strategy=ClassBalancedLoss(beta=0.0), **FAST).fit(X, y)
    torch.testing.assert_close(cb.strategy_.class_weight_, torch.ones(2))
    np.testing.assert_allclose(cb.predict_proba(X), plain.predict_proba(X), rtol=1e-5)


def test_focal_base_loss_equals_focal_strategy_with_the_same_weights(imbalanced_binary):
    X, y = imbalanced_binary
    cb = ClassBalancedLoss(beta=0.999, base_loss="focal", gamma=1.5)
    clf = RebalancedNetClassifier(strategy=cb, **FAST).fit(X, y)
    assert isinstance(clf.criterion_, ClassWeightedFocalLoss) and clf.criterion_.gamma == 1.5
    alpha = effective_number_weights(np.bincount(y), 0.999).numpy()
    focal = RebalancedNetClassifier(strategy=FocalLoss(gamma=1.5, alpha=alpha), **FAST).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), focal.predict_proba(X), rtol=1e-5)
    # gamma is ignored by the "ce" base loss
    ce = RebalancedNetClassifier(strategy=ClassBalancedLoss(gamma=5.0), **FAST).fit(X, y)
    assert ce.criterion_.gamma == 0.0


def test_grid_search_over_beta_and_pickle(imbalanced_binary):
    X, y = imbalanced_binary
    search = GridSearchCV(
        RebalancedNetClassifier(strategy="class_balanced", max_epochs=2, random_state=0),
        {"strategy__beta": [0.0, 0.999]},
        cv=StratifiedKFold(2),
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert search.best_params_["strategy__beta"] in (0.0, 0.999)
    best = search.best_estimator_
    assert best.strategy_.beta == search.best_params_["strategy__beta"]
    restored = pickle.loads(pickle.dumps(best))
    torch.testing.assert_close(restored.strategy_.class_weight_, best.strategy_.class_weight_)
    torch.testing.assert_close(restored.criterion_.class_weight, best.criterion_.class_weight)
    np.testing.assert_allclose(restored.predict_proba(X), best.predict_proba(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"beta": 1.5}, "beta"),
        ({"beta": "high"}, "beta"),
        ({"beta": "Auto"}, "beta"),
        ({"base_loss": "hinge"}, "base_loss"),
        ({"gamma": -1.0}, "gamma"),
    ],
)
def test_invalid_parameters_raise_at_fit(three_class, params, match):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=ClassBalancedLoss(**params), **FAST)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_partial_fit_with_a_class_absent_from_the_chunk(three_class):
    X, y = three_class
    keep = y != 2
    clf = RebalancedNetClassifier(strategy="class_balanced", **FAST)
    clf.partial_fit(X[keep], y[keep], classes=[0, 1, 2])
    weights = clf.strategy_.class_weight_
    assert torch.isfinite(weights).all() and weights.shape == (3,)
    clf.partial_fit(X, y)
    assert clf.strategy_.class_counts_.tolist() == np.bincount(y).astype(float).tolist()


@pytest.mark.cuda
def test_state_on_cuda(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="class_balanced", device="cuda", **FAST).fit(X, y)
    assert clf.strategy_.class_weight_.is_cuda and clf.criterion_.class_weight.is_cuda
