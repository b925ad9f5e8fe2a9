"""scikit-learn's estimator checks on the classifier with every strategy."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import available

from test_strategies_common import net_params

# Expected failures, listed once, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_; the rest of skorch reads them before fit."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training: repeating a row adds rows to the shuffled batches "
        "and optimisation steps, a weight of 2 does not, so the fits differ "
        "slightly (as for scikit-learn's MLPClassifier, which has no sample_weight)."
    ),
}


def _instances():
    return [
        RebalancedNetClassifier(strategy=name, max_epochs=3, random_state=0,
                                **net_params(name))
        for name in available()
    ]


@parametrize_with_checks(_instances(), expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_every_strategy_is_checked():
    assert {est.strategy for est in _instances()} == set(available())
    assert len(EXPECTED_FAILED_CHECKS) <= 3
