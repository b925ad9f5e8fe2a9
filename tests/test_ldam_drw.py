"""LDAM-DRW (Cao et al., NeurIPS 2019): margins, the loss, deferred re-weighting."""

import math

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.metrics import recall_score

from skrebalance import RebalancedNetClassifier
from skrebalance.functional import effective_number_weights, ldam_loss, ldam_margins
from skrebalance.losses import LDAMLoss
from skrebalance.strategies import LDAMDRWStrategy

from test_logit_adjustment import _counts_data, hard_imbalanced_split, module_logits

# counts (81, 16, 1): n^(-1/4) = (1/3, 1/2, 1); the rarest gets max_margin = 0.6
# -> Delta = (0.2, 0.3, 0.6)
COUNTS = [81, 16, 1]
MARGINS = [0.2, 0.3, 0.6]
# rows: z = (0.5, 0.2, -0.1), y = 1, s = 10: s (z - 0.3 e_1) = (5, -1, -1)
#       -> -log(e^-1 / (e^5 + 2 e^-1)) = log(e^6 + 2) = 6.004945
#       z = (0, 0, 0), y = 2: s (z - 0.6 e_2) = (0, 0, -6)
#       -> -log(e^-6 / (2 + e^-6)) = 6 + log(2 + e^-6) = 6.694386
Z = torch.tensor([[0.5, 0.2, -0.1], [0.0, 0.0, 0.0]])
TARGET = torch.tensor([1, 2])
LOSSES = [6.004945, 6.694386]
# effective-number weights, beta = 0.9: E_n = (1 - 0.9^n) / 0.1
#   0.9^81 = 1.9663e-4, 0.9^16 = 0.185302 -> E = (9.998034, 8.146980, 1)
#   1/E = (0.100020, 0.122745, 1), sum 1.222765 -> 3/sum * 1/E
DRW_WEIGHTS = [0.245394, 0.301149, 2.453457]


def test_margins_against_hand_values():
    np.testing.assert_allclose(ldam_margins(COUNTS, max_margin=0.6).numpy(), MARGINS, rtol=1e-6)
    # the default 0.5 for the rarest class; an absent class counts as the rarest
    np.testing.assert_allclose(ldam_margins([16, 0, 1]).numpy(), [0.25, 0.5, 0.5], rtol=1e-6)
    with pytest.raises(ValueError, match="max_margin"):
        ldam_margins(COUNTS, max_margin=-0.1)


def test_ldam_loss_against_hand_values():
    margins = ldam_margins(COUNTS, max_margin=0.6)
    losses = ldam_loss(Z, TARGET, margins, s=10.0, reduction="none")
    np.testing.assert_allclose(losses.numpy(), LOSSES, atol=1e-5)
    # class weights (0.5, 2, 0.5): (2 * 6.004945 + 0.5 * 6.694386) / 2 = 7.678542
    weighted = ldam_loss(Z, TARGET, margins, s=10.0, class_weight=torch.tensor([0.5, 2.0, 0.5]))
    assert weighted.item() == pytest.approx(7.678542, abs=1e-5)
    # per-row weights (1, 0), mean over the batch size: 6.004945 / 2
    rows = ldam_loss(Z, TARGET, margins, s=10.0, sample_weight=torch.tensor([1.0, 0.0]))
    assert rows.item() == pytest.approx(6.004945 / 2, abs=1e-5)


def test_ldam_loss_reduces_to_cross_entropy_and_margins_only_touch_the_true_class():
    zero = torch.zeros(3)
    ce = torch.nn.functional.cross_entropy(Z, TARGET)
    assert ldam_loss(Z, TARGET, zero, s=1.0).item() == pytest.approx(ce.item())
    # the gradient flows as in CE on the shifted logits; the margins get none
    margins = ldam_margins(COUNTS, max_margin=0.6).requires_grad_()
    z = Z.clone().requires_grad_()
    ldam_loss(z, TARGET, margins, s=10.0).backward()
    shifted = (Z - torch.tensor([[0.0, 0.3, 0.0], [0.0, 0.0, 0.6]])).requires_grad_()
    torch.nn.functional.cross_entropy(10.0 * shifted, TARGET).backward()
    torch.testing.assert_close(z.grad, shifted.grad)
    assert margins.grad is None
    with pytest.raises(ValueError, match="margins"):
        ldam_loss(Z, TARGET, torch.zeros(2))
    with pytest.raises(ValueError, match="s must"):
        ldam_loss(Z, TARGET, zero, s=0.0)


def test_loss_module_buffers():
    loss = LDAMLoss(s=10.0)
    assert loss(torch.zeros(2, 3), TARGET).item() == pytest.approx(math.log(3))
    loss.set_margins(ldam_margins(COUNTS, max_margin=0.6))
    assert loss(Z, TARGET).item() == pytest.approx(sum(LOSSES) / 2, abs=1e-5)
    loss.set_class_weight(torch.tensor([0.5, 2.0, 0.5]))
    buffer = loss.class_weight
    loss.set_class_weight(torch.tensor([0.5, 2.0, 0.5]))
    assert loss.class_weight is buffer  # in place
    assert {"margins", "class_weight"} <= set(loss.state_dict())
    assert loss(Z, TARGET).item() == pytest.approx(7.678542, abs=1e-5)
    loss.set_class_weight(None)
    assert loss(Z, TARGET).item() == pytest.approx(sum(LOSSES) / 2, abs=1e-5)


# ----------------------------------------------------------------------
# the strategy


class RecordClassWeight(Callback):
    """Records the criterion's class weights at the first batch of every epoch."""

    def initialize(self):
        self.seen_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.first_ = True

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and self.first_:
            weight = net.criterion_.class_weight
            self.seen_.append(None if weight is None else weight.clone())
            self.first_ = False


def test_criterion_after_fit_equals_the_papers_loss():
    X, y = _counts_data(COUNTS)
    strategy = LDAMDRWStrategy(max_margin=0.6, s=10.0, drw_epoch=1, beta=0.9)
    clf = RebalancedNetClassifier(strategy=strategy, max_epochs=2, random_state=0).fit(X, y)
    assert clf.criterion_ is clf.strategy_.criterion_
    np.testing.assert_allclose(clf.criterion_.margins.numpy(), MARGINS, rtol=1e-6)
    np.testing.assert_allclose(clf.strategy_.drw_weight_.numpy(), DRW_WEIGHTS, atol=1e-5)
    # after the DRW epoch: (0.301149 * 6.004945 + 2.453457 * 6.694386) / 2 = 9.116386
    assert clf.criterion_(Z, TARGET).item() == pytest.approx(9.116386, abs=1e-4)


def test_drw_switches_the_class_weights_at_drw_epoch():
    X, y = _counts_data([60, 30, 10])
    recorder = RecordClassWeight()
    clf = RebalancedNetClassifier(
        strategy="ldam_drw", strategy__drw_epoch=3, max_epochs=5, random_state=0,
        callbacks=[recorder],
    ).fit(X, y)
    seen = dict(clf.callbacks_)["RecordClassWeight"].seen_
    expected = effective_number_weights([60, 30, 10], 0.9999)
    assert seen[:3] == [None, None, None]
    for weight in seen[3:]:
        torch.testing.assert_close(weight, expected)
    assert len(seen) == 5
    assert clf.history[:, "drw"] == [False, False, False, True, True]


def test_default_drw_epoch_is_80_percent_of_max_epochs_and_warm_start_continues():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy="ldam_drw", max_epochs=10, random_state=0).fit(X, y)
    assert clf.strategy_.drw_epoch_ == 8
    assert clf.history[:, "drw"] == [False] * 8 + [True] * 2
    clf.set_params(warm_start=True, max_epochs=2).fit(X, y)
    # epochs 11 and 12 of the net: past 80 % of 2 epochs, still re-weighted
    assert clf.history[:, "drw"][-2:] == [True, True]


def test_prediction_is_softmax_of_scaled_module_logits():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(
        strategy="ldam_drw", strategy__s=5.0, max_epochs=3, random_state=0
    ).fit(X, y)
    expected = torch.softmax(5.0 * module_logits(clf, X), dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "params, match",
    [({"s": 0.0}, "s"), ({"max_margin": -1.0}, "max_margin"), ({"drw_epoch": 1.5}, "drw_epoch"),
     ({"beta": 1.5}, "beta")],
)
def test_bad_parameters_raise_at_fit(params, match):
    X, y = _counts_data([20, 10])
    clf = RebalancedNetClassifier(strategy=LDAMDRWStrategy(**params), max_epochs=1)
    with pytest.raises((ValueError, TypeError), match=match):
        clf.fit(X, y)


def test_cosine_head_trains_with_ldam_drw():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(
        strategy="ldam_drw", module__head="cosine", max_epochs=40, lr=0.01, random_state=0
    ).fit(X, y)
    z = module_logits(clf, X)
    assert z.abs().max().item() <= 1.0 + 1e-6
    assert (clf.predict(X) == y).mean() > 0.8


def test_ldam_drw_raises_minority_recall():
    X_train, X_test, y_train, y_test = hard_imbalanced_split()
    params = dict(max_epochs=20, random_state=0)
    plain = RebalancedNetClassifier(strategy="none", **params).fit(X_train, y_train)
    ldam = RebalancedNetClassifier(strategy="ldam_drw", **params).fit(X_train, y_train)
    recall_plain = recall_score(y_test, plain.predict(X_test))
    assert recall_score(y_test, ldam.predict(X_test)) > recall_plain + 0.1


def test_balanced_class_weight_gives_equal_margins_and_weights():
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(
        strategy="ldam_drw", class_weight="balanced", max_epochs=2, random_state=0
    ).fit(X, y)
    # weighted counts (100/3,) * 3: every class is the rarest
    np.testing.assert_allclose(clf.criterion_.margins.numpy(), [0.5] * 3, rtol=1e-5)
    np.testing.assert_allclose(clf.strategy_.drw_weight_.numpy(), [1.0] * 3, rtol=1e-5)


def test_drw_epoch_follows_the_automatic_budget():
    # max_epochs="auto" (the default) is resolved from the training rows:
    # 100 rows -> batch 32, 4 steps per epoch, ceil(1000 / 4) = 250 epochs
    X, y = _counts_data([60, 30, 10])
    clf = RebalancedNetClassifier(strategy="ldam_drw", random_state=0)
    assert clf.max_epochs == "auto"
    clf.fit(X, y)
    assert len(clf.history) == 250
    assert clf.strategy_.drw_epoch_ == 200  # 80 % of 250
    assert clf.history[199, "drw"] is False and clf.history[200, "drw"] is True
