"""skorch's stock callbacks and parameters on RebalancedNetClassifier (issue 11, item 3)."""

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit
from skorch.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    EpochScoring,
    LoadInitState,
    LRScheduler,
    ProgressBar,
)
from skorch.dataset import ValidSplit
from torch.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from torch.utils.data import WeightedRandomSampler

from skrebalance import RebalancedNetClassifier

FAST = dict(max_epochs=4, random_state=0)


def _valid_rows(y, seed=7, size=0.2):
    """The rows ValidSplit(size, stratified=True, random_state=seed) validates on."""
    _, valid = next(StratifiedShuffleSplit(test_size=size, random_state=seed).split(y, y))
    return valid


@pytest.mark.parametrize("strategy", ["none", "cdb", "instance_difficulty"])
def test_epoch_scoring_by_name_on_validation_data(imbalanced_binary, strategy):
    X, y = imbalanced_binary
    labels = np.array(["neg", "pos"])[y]  # scoring works on encoded targets
    clf = RebalancedNetClassifier(
        strategy=strategy, train_split=ValidSplit(0.2, random_state=7), **FAST,
        callbacks=[EpochScoring("balanced_accuracy", name="valid_bacc", lower_is_better=False),
                   EpochScoring("roc_auc", name="valid_auc", lower_is_better=False)],
    ).fit(X, labels)
    valid = _valid_rows(y)
    assert len(clf.history[:, "valid_bacc"]) == FAST["max_epochs"]
    expected_bacc = balanced_accuracy_score(labels[valid], clf.predict(X[valid]))
    expected_auc = roc_auc_score(y[valid], clf.predict_proba(X[valid])[:, 1])
    assert clf.history[-1, "valid_bacc"] == pytest.approx(expected_bacc)
    assert clf.history[-1, "valid_auc"] == pytest.approx(expected_auc, rel=1e-6)


def test_epoch_scoring_on_training_data(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(
        **FAST, callbacks=[EpochScoring("balanced_accuracy", on_train=True, name="train_bacc",
                                        use_caching=False, lower_is_better=False)],
    ).fit(X, y)
    assert clf.history[-1, "train_bacc"] == pytest.approx(balanced_accuracy_score(y, clf.predict(X)))


def test_early_stopping_with_load_best_restores_the_best_epoch(imbalanced_binary):
    X, y = imbalanced_binary
    scoring = EpochScoring("balanced_accuracy", name="valid_bacc", lower_is_better=False)
    stop = EarlyStopping(monitor="valid_bacc", lower_is_better=False, patience=3, load_best=True)
    clf = RebalancedNetClassifier(
        strategy="focal", lr=0.05, max_epochs=60, random_state=0,
        train_split=ValidSplit(0.2, random_state=7), callbacks=[scoring, stop],
    ).fit(X, y)
    scores = clf.history[:, "valid_bacc"]
    assert len(scores) < 60  # stopped early
    valid = _valid_rows(y)
    restored = balanced_accuracy_score(y[valid], clf.predict(X[valid]))
    assert restored == pytest.approx(max(scores))


def _monitoring(kind, tmp_path):
    """Callbacks that read a validation score (``kind``) or only training scores."""
    return {
        "early_stopping": [EarlyStopping()],
        "checkpoint": [Checkpoint(dirname=str(tmp_path))],
        "plateau_by_name": [LRScheduler(policy="ReduceLROnPlateau", monitor="valid_loss")],
        "plateau_by_class": [LRScheduler(policy=ReduceLROnPlateau, monitor="valid_acc_best")],
        "scoring_on_valid": [EpochScoring("balanced_accuracy", name="bacc", lower_is_better=False),
                             EarlyStopping(monitor="bacc", lower_is_better=False)],
        "train_loss": [EarlyStopping(monitor="train_loss"),
                       Checkpoint(dirname=str(tmp_path), monitor="train_loss_best"),
                       LRScheduler(policy=ReduceLROnPlateau)],
        "scoring_on_train": [EpochScoring("balanced_accuracy", name="bacc", on_train=True,
                                          lower_is_better=False),
                             EarlyStopping(monitor="bacc_best", lower_is_better=False)],
        "not_a_plateau": [LRScheduler(policy=StepLR, step_size=1, monitor="valid_loss")],
    }[kind]


@pytest.mark.parametrize("kind", ["early_stopping", "checkpoint", "plateau_by_name",
                                  "plateau_by_class", "scoring_on_valid"])
def test_monitoring_a_validation_score_without_a_split_is_refused_at_fit(three_class, tmp_path,
                                                                          kind):
    # skorch's own failure came after the first epoch, a KeyError from the history
    X, y = three_class
    clf = RebalancedNetClassifier(callbacks=_monitoring(kind, tmp_path), device="cpu", **FAST)
    with pytest.raises(ValueError, match="train_split=None holds out no validation data"):
        clf.fit(X, y)
    assert len(clf.history) == 0  # refused before the first epoch
    with pytest.raises(ValueError, match="monitor='train_loss"):
        clf.partial_fit(X, y)


@pytest.mark.parametrize("kind", ["train_loss", "scoring_on_train", "not_a_plateau"])
def test_monitoring_training_scores_without_a_split_is_accepted(three_class, tmp_path, kind):
    X, y = three_class
    clf = RebalancedNetClassifier(callbacks=_monitoring(kind, tmp_path), device="cpu", **FAST)
    assert len(clf.fit(X, y).history) >= 1


def test_early_stopping_with_a_validation_split_is_accepted(three_class, tmp_path):
    X, y = three_class
    clf = RebalancedNetClassifier(callbacks=_monitoring("early_stopping", tmp_path),
                                  train_split=0.2, device="cpu", **FAST).fit(X, y)
    assert len(clf.history[:, "valid_loss"]) == len(clf.history)


def test_lr_scheduler_steps_the_learning_rate(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(
        lr=0.04, **FAST, callbacks=[LRScheduler(policy=StepLR, step_size=1, gamma=0.5)]
    ).fit(X, y)
    assert clf.optimizer_.param_groups[0]["lr"] == pytest.approx(0.04 * 0.5 ** FAST["max_epochs"])


def test_checkpoint_and_load_init_state_restore_weights_and_strategy_state(three_class, tmp_path):
    X, y = three_class
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor=None)
    first = RebalancedNetClassifier(strategy="instance_difficulty", callbacks=[checkpoint], **FAST)
    first.fit(X, y)
    assert first.strategy_.n_updates_ == 4
    resumed = RebalancedNetClassifier(
        strategy="instance_difficulty", max_epochs=2, random_state=0,
        callbacks=[LoadInitState(Checkpoint(dirname=str(tmp_path), monitor=None))],
    ).fit(X, y)
    # history, weights and the difficulty state continue from the checkpoint
    assert len(resumed.history) == 6
    # strategies update before Checkpoint saves: the epoch-4 state was saved
    assert resumed.strategy_.n_updates_ == 4 + 2
    assert resumed.strategy_.sum_du_.shape == first.strategy_.sum_du_.shape


@pytest.mark.parametrize("strategy", ["cdb", "focal", "instance_difficulty"])
def test_save_and_load_params_on_a_fresh_net_with_device_auto(three_class, tmp_path, strategy):
    X, y = three_class
    labels = np.array(["a", "b", "c"])[y]
    clf = RebalancedNetClassifier(strategy=strategy, **FAST).fit(X, labels)
    files = {f"f_{k}": str(tmp_path / f"{k}.pt") for k in ("params", "optimizer", "criterion")}
    clf.save_params(**files, f_history=str(tmp_path / "history.json"))
    fresh = RebalancedNetClassifier(strategy=strategy, device="auto")
    fresh.load_params(**files, f_history=str(tmp_path / "history.json"))
    assert list(fresh.classes_) == ["a", "b", "c"] and fresh.n_features_in_ == X.shape[1]
    np.testing.assert_allclose(fresh.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
    assert (fresh.predict(X) == clf.predict(X)).all()
    own = fresh.strategies_[0].__dict__.get("criterion_")  # None: the strategy provides no loss
    assert own is None or fresh.criterion_ is own
    for key, value in clf.strategy_.state_dict().items():
        if torch.is_tensor(value):
            torch.testing.assert_close(getattr(fresh.strategy_, key), value)
    assert len(fresh.history) == FAST["max_epochs"]


def test_progress_bar_total_counts_every_batch(three_class):
    X, y = three_class
    bar = ProgressBar()
    clf = RebalancedNetClassifier(batch_size=64, train_split=0.25, callbacks=[bar], **FAST)
    clf.fit(X, y)
    assert bar.pbar_.total == clf.history[-1, "train_batch_count"] + clf.history[-1, "valid_batch_count"]
    assert bar.pbar_.total == 4 + 2  # 225 training rows, 75 validation rows, batches of 64


@pytest.mark.parametrize("strategy", ["logit_adjustment", "cdb"])
def test_stock_progress_bar_counts_auto_batches_and_held_out_rows(three_class, strategy):
    # batch_size="auto" (skorch's own count divides by it) and CDB's sampler,
    # which holds rows out of training: the total is what the epoch draws
    X, y = three_class
    bar = ProgressBar()
    clf = RebalancedNetClassifier(strategy=strategy, callbacks=[bar], **FAST).fit(X, y)
    assert bar.pbar_.total == clf.history[-1, "train_batch_count"]
    assert isinstance(bar, ProgressBar)


class RecordTrainingLabels(Callback):
    def initialize(self):
        self.labels_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.labels_.append(batch[1])


def test_iterator_train_sampler_is_honoured(three_class):
    X, y = three_class
    only_class_2 = (y == 2).astype(float)
    record = RecordTrainingLabels()
    RebalancedNetClassifier(
        callbacks=[record], **FAST,
        iterator_train__sampler=WeightedRandomSampler(only_class_2, num_samples=50),
    ).fit(X, y)
    labels = torch.cat(record.labels_)
    assert len(labels) == 50 * FAST["max_epochs"] and set(labels.tolist()) == {2}


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(strategy="instance_difficulty",
              iterator_train__sampler=WeightedRandomSampler([1.0] * 300, 10)),
         "iterator_train__sampler"),
        (dict(strategy="cdb", iterator_train__shuffle=False), "iterator_train__shuffle"),
        (dict(iterator_train__num_workers=2), "iterator_train__num_workers"),
        (dict(iterator_valid__collate_fn=list), "iterator_valid__collate_fn"),
        (dict(dataset=torch.utils.data.TensorDataset), "dataset"),
        (dict(strategy="focal", criterion__weight=torch.ones(3)), "criterion__weight"),
        (dict(strategy="focal", criterion=torch.nn.NLLLoss), "criterion="),
    ],
)
def test_parameters_that_cannot_be_honoured_are_refused_by_name(three_class, params, match):
    X, y = three_class
    with pytest.raises(ValueError, match=match):
        RebalancedNetClassifier(**FAST, **params).fit(X, y)


def test_criterion_weight_without_a_loss_strategy_is_honoured(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="none", criterion__weight=torch.tensor([1.0, 2.0, 3.0]),
                                  **FAST).fit(X, y)
    torch.testing.assert_close(clf.criterion_.weight, torch.tensor([1.0, 2.0, 3.0]))


def test_iterator_shuffle_false_and_drop_last_are_honoured(three_class):
    X, y = three_class
    record = RecordTrainingLabels()
    RebalancedNetClassifier(
        callbacks=[record], batch_size=128, iterator_train__shuffle=False,
        iterator_train__drop_last=True, **FAST,
    ).fit(X, y)
    first_epoch = record.labels_[:2]
    assert len(record.labels_) == 2 * FAST["max_epochs"]  # 300 rows: 2 full batches
    assert torch.cat(first_epoch).tolist() == y[:256].tolist()


def test_interrupted_fit_is_flagged():
    from sklearn.datasets import make_classification

    # skorch swallows KeyboardInterrupt: the net must say it is half-trained
    from skorch.callbacks import Callback

    class StopAtEpoch2(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    X, y = make_classification(n_samples=60, random_state=0)
    cut = RebalancedNetClassifier(
        max_epochs=5, callbacks=[StopAtEpoch2()], random_state=0
    ).fit(X, y)
    assert cut.fit_interrupted_ and len(cut.history) == 2
    whole = RebalancedNetClassifier(max_epochs=5, random_state=0).fit(X, y)
    assert not whole.fit_interrupted_ and len(whole.history) == 5
