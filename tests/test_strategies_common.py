"""Checks every registered strategy passes (modelled on imbalanced-learn's test_common.py).

They run over :func:`skrebalance.strategies.available`, so a strategy that
lands later is checked without editing this file.
"""

import inspect
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import (
    InvalidParameterError,
    generate_invalid_param_val,
    make_constraint,
)

from skrebalance import RebalancedNetClassifier
from skrebalance.strategies import RebalancingStrategy, available, get_strategy_class

STRATEGIES = [name for name in available()]


def net_params(name):
    """The ``module__*`` parameters strategy ``name`` needs (its ``module_params()``).

    E.g. "tde" predicts from the features of the MLP's causal-norm layer and
    refuses the default linear head with a ValueError.
    """
    params = get_strategy_class(name)().module_params()
    return {f"module__{key}": value for key, value in params.items()}


def _init_params(cls):
    parameters = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in parameters if p.name != "self"
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name", STRATEGIES)
def test_class_is_a_named_strategy(name):
    cls = get_strategy_class(name)
    assert issubclass(cls, RebalancingStrategy)
    assert cls.__name__.endswith("Strategy"), cls.__name__
    assert cls.strategy_name == name


@pytest.mark.parametrize("name", STRATEGIES)
def test_constraints_cover_exactly_the_init_parameters(name):
    cls = get_strategy_class(name)
    assert set(cls._parameter_constraints) == set(_init_params(cls))


@pytest.mark.parametrize("name", STRATEGIES)
def test_init_only_stores_its_arguments(name):
    cls = get_strategy_class(name)
    strategy = cls()
    assert vars(strategy) == strategy.get_params(deep=False)
    assert set(vars(strategy)) == set(_init_params(cls))


def _invalid_values(cls):
    for param, constraints in cls._parameter_constraints.items():
        constraints = [make_constraint(c) for c in constraints]
        for constraint in constraints:
            try:
                bad = generate_invalid_param_val(constraint)
            except NotImplementedError:
                continue
            if any(c.is_satisfied_by(bad) for c in constraints):
                continue
            yield param, bad


@pytest.mark.parametrize("name", STRATEGIES)
def test_invalid_parameters_raise_naming_the_parameter(name):
    cls = get_strategy_class(name)
    cases = list(_invalid_values(cls))
    assert cases or not cls._parameter_constraints
    for param, bad in cases:
        with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
            cls(**{param: bad}).initialize()


@pytest.mark.parametrize("name", STRATEGIES)
def test_clone_and_pickle_keep_the_parameters(name):
    strategy = get_strategy_class(name)()
    for copy in (clone(strategy), pickle.loads(pickle.dumps(strategy))):
        assert type(copy) is type(strategy)
        assert repr(copy.get_params()) == repr(strategy.get_params())


@pytest.mark.parametrize("name", STRATEGIES)
def test_fitted_state_ends_in_underscore_lives_on_the_device_and_round_trips(three_class, name):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=name, max_epochs=2, random_state=0,
                                  **net_params(name)).fit(X, y)
    strategy = clf.strategy_
    params = set(strategy.get_params(deep=False))
    for key, value in vars(strategy).items():
        if key in params:
            continue
        assert key.endswith("_"), f"{name}: state attribute {key!r} does not end in '_'"
        if torch.is_tensor(value):
            assert value.device.type == clf.device_.type
    # state_dict / load_state_dict round trip (what save_params stores)
    state = strategy.state_dict()
    fresh = clone(strategy).initialize().load_state_dict(state, clf.device_)
    for key, value in state.items():
        if torch.is_tensor(value):
            torch.testing.assert_close(getattr(fresh, key), value)
    # the strategy never replaces the net's criterion: they are one object
    if strategy.provides_loss:
        assert clf.criterion_ is strategy.criterion_
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    if strategy.provides_loss:
        assert restored.criterion_ is restored.strategy_.criterion_


@pytest.mark.parametrize("name", STRATEGIES)
def test_strategy_parameters_reach_the_fit(three_class, name):
    cls = get_strategy_class(name)
    X, y = three_class
    clf = RebalancedNetClassifier(strategy=name, max_epochs=1, random_state=0,
                                  **net_params(name))
    deep = clf.get_params(deep=True)
    assert {k[len("strategy__"):] for k in deep if k.startswith("strategy__")} == set(
        _init_params(cls)
    )
    clf.fit(X, y)
    assert repr(clf.strategy_.get_params()) == repr(cls().get_params())
