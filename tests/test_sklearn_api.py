"""scikit-learn conventions: sample_weight, class_weight, routing, predict_log_proba,
decision_function, seeded stratified splits (issue 11, item 4), threads (item 5)."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.utils.class_weight import compute_sample_weight
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import RebalancingStrategy

FAST = dict(max_epochs=3, random_state=0)
#: strategies whose loss takes per-row weights (GHM-CWAP's loss does not yet)
WEIGHTED = ["none", "focal", "class_balanced", "cdb", "instance_difficulty"]


def _first_loss(X, y, strategy, **fit_kwargs):
    # lr=0 and one full batch: the recorded loss is the untrained net's loss
    clf = RebalancedNetClassifier(strategy=strategy, lr=0.0, batch_size=-1, **FAST)
    return clf.fit(X, y, **fit_kwargs).history[0, "train_loss"]


@pytest.mark.parametrize("strategy", WEIGHTED)
def test_sample_weight_multiplies_every_strategys_loss(three_class, strategy):
    X, y = three_class
    plain = _first_loss(X, y, strategy)
    tripled = _first_loss(X, y, strategy, sample_weight=np.full(len(y), 3.0))
    assert tripled == pytest.approx(3 * plain, rel=1e-5)
    # weight 0 removes a row from the loss's sum; the mean still divides by n
    keep = (y != 2).astype(float)
    partial = _first_loss(X, y, strategy, sample_weight=keep)
    assert partial < plain


def test_sample_weight_matches_the_hand_computed_weighted_mean(three_class):
    X, y = three_class
    w = np.linspace(0.0, 2.0, len(y))
    clf = RebalancedNetClassifier(strategy="none", lr=0.0, batch_size=-1, module__dropout=0.0,
                                  **FAST)
    clf.fit(X, y, sample_weight=w)
    logits = clf.infer_logits(torch.as_tensor(X, dtype=torch.float32))
    per_row = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y), reduction="none")
    expected = (per_row.double() * torch.as_tensor(w)).sum() / len(y)
    assert clf.history[0, "train_loss"] == pytest.approx(expected.item(), rel=1e-5)


@pytest.mark.parametrize("strategy", ["none", "focal"])
def test_class_weight_equals_the_matching_sample_weight(three_class, strategy):
    X, y = three_class
    base = dict(strategy=strategy, **FAST)
    balanced = RebalancedNetClassifier(class_weight="balanced", **base).fit(X, y)
    by_rows = RebalancedNetClassifier(**base).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_allclose(balanced.predict_proba(X), by_rows.predict_proba(X), rtol=1e-5)
    # a dict composes with sample_weight (product), missing labels weigh 1
    w = np.linspace(0.5, 1.5, len(y))
    composed = RebalancedNetClassifier(class_weight={2: 4.0}, **base).fit(X, y, sample_weight=w)
    product = RebalancedNetClassifier(**base).fit(X, y, sample_weight=w * np.where(y == 2, 4.0, 1.0))
    np.testing.assert_allclose(composed.predict_proba(X), product.predict_proba(X), rtol=1e-5)
    assert not np.allclose(composed.predict_proba(X), RebalancedNetClassifier(**base).fit(X, y).predict_proba(X))


def test_bad_sample_weight_and_class_weight_raise(three_class):
    X, y = three_class
    with pytest.raises(ValueError, match="[Nn]egative"):
        RebalancedNetClassifier(**FAST).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="class_weight"):
        RebalancedNetClassifier(class_weight={7: 2.0}, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        RebalancedNetClassifier(class_weight="inverse", **FAST).fit(X, y)


def test_metadata_routing_in_cross_val_score_and_grid_search(imbalanced_binary):
    X, y = imbalanced_binary
    w = np.where(y == 1, 5.0, 1.0)
    cv = StratifiedKFold(2)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = RebalancedNetClassifier(**FAST).set_fit_request(sample_weight=True)
        scorer = make_scorer(balanced_accuracy_score).set_score_request(sample_weight=False)
        routed = cross_val_score(clf, X, y, cv=cv, params={"sample_weight": w}, scoring=scorer)
        grid = GridSearchCV(clf, {"lr": [clf.lr]}, cv=cv, scoring=scorer)
        grid.fit(X, y, sample_weight=w)
    manual = []
    for train, test in cv.split(X, y):
        est = clone(clf).fit(X[train], y[train], sample_weight=w[train])
        manual.append(balanced_accuracy_score(y[test], est.predict(X[test])))
    np.testing.assert_allclose(routed, manual)
    assert grid.cv_results_["mean_test_score"][0] == pytest.approx(np.mean(manual))
    unweighted = cross_val_score(RebalancedNetClassifier(**FAST), X, y, cv=cv,
                                 scoring="balanced_accuracy")
    assert not np.allclose(routed, unweighted)


class Shift(RebalancingStrategy):
    """Post-hoc logit shift, to check that every prediction path applies it."""

    def adjust_logits(self, net, logits):
        shift = torch.zeros(logits.shape[1], device=logits.device)
        shift[-1] = 2.0
        return logits + shift


@pytest.mark.parametrize("strategy", [None, Shift()])
def test_predict_log_proba_and_decision_function_agree_with_predict(
    imbalanced_binary, three_class, strategy
):
    for X, y in (imbalanced_binary, three_class):
        labels = np.array(["a", "b", "c"])[y]
        clf = RebalancedNetClassifier(strategy=strategy, **FAST).fit(X, labels)
        proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
        np.testing.assert_allclose(log_proba, np.log(proba), rtol=1e-6, atol=1e-9)
        scores = clf.decision_function(X)
        if clf.n_classes_ == 2:
            assert scores.shape == (len(X),)
            np.testing.assert_array_equal(clf.classes_[(scores > 0).astype(int)], clf.predict(X))
        else:
            assert scores.shape == (len(X), 3)
            np.testing.assert_array_equal(clf.classes_[scores.argmax(axis=1)], clf.predict(X))


def test_logit_adjustment_changes_every_prediction_path(imbalanced_binary):
    X, y = imbalanced_binary
    plain = RebalancedNetClassifier(strategy="none", **FAST).fit(X, y)
    shifted = RebalancedNetClassifier(strategy=Shift(), **FAST).fit(X, y)
    np.testing.assert_allclose(shifted.decision_function(X), plain.decision_function(X) + 2.0,
                               rtol=1e-5, atol=1e-5)
    assert (shifted.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


class RecordValidLabels(Callback):
    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.valid_y_ = dataset_valid.y.cpu().numpy()


@pytest.mark.parametrize("train_split", [0.2, ValidSplit(5), ValidSplit(0.2)])
def test_validation_split_is_stratified_and_seeded(train_split):
    # the 20 positives are the last rows: an unstratified first fold has none
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = np.r_[np.zeros(180, int), np.ones(20, int)]
    X[y == 1] += 1.0
    runs = []
    for _ in range(2):
        record = RecordValidLabels()
        clf = RebalancedNetClassifier(train_split=train_split, callbacks=[record], **FAST).fit(X, y)
        runs.append((record.valid_y_, clf.history[:, "valid_loss"], clf.predict_proba(X)))
    valid_y = runs[0][0]
    assert len(valid_y) == 40 and valid_y.sum() == 4  # 10% positives, as in y
    np.testing.assert_array_equal(runs[0][2], runs[1][2])
    assert runs[0][1] == runs[1][1]


class RecordThreads(Callback):
    def on_epoch_end(self, net, **kwargs):
        self.threads_ = torch.get_num_threads()


def test_n_threads_applies_during_fit_and_is_restored(three_class):
    X, y = three_class
    before = torch.get_num_threads()
    target = 2 if before == 1 else 1
    record = RecordThreads()
    RebalancedNetClassifier(n_threads=target, callbacks=[record], **FAST).fit(X, y)
    assert record.threads_ == target
    assert torch.get_num_threads() == before
    RebalancedNetClassifier(n_threads=None, callbacks=[record], **FAST).fit(X, y)
    assert record.threads_ == before
