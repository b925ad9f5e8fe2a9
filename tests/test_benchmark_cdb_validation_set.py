"""benchmarks/cdb_validation_set.py: CDB scored on a validation set outside the long tail."""

import cdb_validation_set
import numpy as np


def test_validation_split_takes_the_same_rows_of_every_class():
    y = np.repeat([0, 1, 2], [300, 120, 40])
    valid, rest = cdb_validation_set.validation_split(y, seed=0)
    # min(25, floor(0.1 * 40)) = 4 rows of each class
    assert np.bincount(y[valid]).tolist() == [4, 4, 4]
    assert sorted(np.r_[valid, rest].tolist()) == list(range(len(y)))
    y = np.repeat([0, 1], [2000, 900])
    assert np.bincount(y[cdb_validation_set.validation_split(y, 1)[0]]).tolist() == [25, 25]


def test_the_val_methods_mark_the_appended_rows_as_the_difficulty_set():
    strategy = cdb_validation_set.strategy_of("CDB-S-val", n_train=5, n_valid=2)
    assert (strategy.mode, list(strategy.difficulty_set)) == (
        "sampling", [False] * 5 + [True] * 2)
    assert cdb_validation_set.strategy_of("CDB-W-CE-val", 5, 2).mode == "loss"
    assert cdb_validation_set.strategy_of("cdb", 5, 2) == "cdb"
