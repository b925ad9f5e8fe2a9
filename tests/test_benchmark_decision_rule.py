"""benchmarks/decision_rule.py: the hold-out split and the shifted decision."""

import numpy as np

import decision_rule


def test_holdout_keeps_every_class_in_training_and_holds_one_out_of_each_pair():
    y = np.repeat([0, 1, 2, 3], [50, 10, 2, 1])
    train, held = decision_rule.holdout_split(y, 0.2, seed=0)
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(len(y)))
    held_counts = np.bincount(y[held], minlength=4).tolist()
    assert held_counts == [10, 2, 1, 0]  # 20 %, at least one when a class has two rows
    assert set(y[train]) == {0, 1, 2, 3}


def test_log_prior_follows_the_class_order():
    prior = decision_rule.log_prior(np.array(["b", "a", "a", "a"]), np.array(["a", "b"]))
    np.testing.assert_allclose(prior, np.log([0.75, 0.25]))


def test_arguments_parse_variants_as_json():
    args = decision_rule.parse_args(["--suite", "long-tailed-dev",
                                     "--variant", 'loss={"strategy__mode": "loss"}'])
    assert args.variants == {"loss": {"strategy__mode": "loss"}}
    assert args.n_repeats == 3
