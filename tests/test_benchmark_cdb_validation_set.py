"""benchmarks/cdb_validation_set.py: CDB scored on a given set of rows, never trained on."""

import cdb_validation_set
import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from skrebalance import RebalancedNetClassifier


def test_validation_split_takes_the_same_rows_of_every_class():
    y = np.repeat([0, 1, 2], [300, 120, 40])
    valid, rest = cdb_validation_set.validation_split(y, seed=0)
    # min(25, floor(0.1 * 40)) = 4 rows of each class
    assert np.bincount(y[valid]).tolist() == [4, 4, 4]
    assert sorted(np.r_[valid, rest].tolist()) == list(range(len(y)))
    y = np.repeat([0, 1], [2000, 900])
    assert np.bincount(y[cdb_validation_set.validation_split(y, 1)[0]]).tolist() == [25, 25]


class SeenRows(Callback):
    def on_train_begin(self, net, **kwargs):
        self.seen = set()

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.seen |= set(batch[0][:, -1].long().tolist())


@pytest.mark.parametrize("mode", ["loss", "sampling"])
def test_given_rows_are_scored_and_never_trained_on(mode):
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(150, int), np.ones(40, int), np.zeros(10, int), np.ones(10, int)]
    X = np.c_[rng.randn(len(y), 3) + y[:, None], np.arange(len(y))].astype(np.float32)
    seen = SeenRows()
    strategy = cdb_validation_set.CDBOnGivenRows(n_given=20, mode=mode)
    clf = RebalancedNetClassifier(strategy=strategy, callbacks=[seen], max_epochs=3,
                                  random_state=0, device="cpu").fit(X, y)
    strat = clf.strategy_
    assert strat.difficulty_rows_.tolist() == list(range(190, 210))
    assert not seen.seen & set(range(190, 210))
    assert strat.class_counts_.tolist() == [150.0, 40.0]
    # the last measurement rests on the 10 given rows of each class (pooled, min_rows=50)
    assert torch.all(strat.pooled_rows_ > 10)
