"""Registry of strategy names and resolution of the ``strategy=`` parameter."""

from sklearn.base import clone

from ._base import NoStrategy, RebalancingStrategy

_REGISTRY = {"none": NoStrategy}
NoStrategy.strategy_name = "none"


def register(name):
    """Class decorator registering a strategy class under ``name``.

    Examples
    --------
    >>> from skrebalance.strategies import RebalancingStrategy, register, available
    >>> @register("my_noop")
    ... class MyNoop(RebalancingStrategy):
    ...     pass
    >>> "my_noop" in available()
    True
    >>> unregister("my_noop")
    """

    def decorator(cls):
        if not (isinstance(cls, type) and issubclass(cls, RebalancingStrategy)):
            raise TypeError(f"{cls!r} is not a RebalancingStrategy subclass.")
        _REGISTRY[name] = cls
        cls.strategy_name = name
        return cls

    return decorator


def unregister(name):
    """Remove ``name`` from the registry (for tests and plugins).

    Examples
    --------
    >>> from skrebalance.strategies import NoStrategy, register, unregister, available
    >>> _ = register("plain")(type("Plain", (NoStrategy,), {}))
    >>> unregister("plain")
    >>> "plain" in available()
    False
    """
    _REGISTRY.pop(name, None)


def available():
    """Return the sorted names accepted by ``strategy=``.

    Examples
    --------
    >>> from skrebalance.strategies import available
    >>> "focal" in available() and "none" in available()
    True
    """
    return sorted(_REGISTRY)


def get_strategy_class(name):
    """Return the class registered under ``name`` (``ValueError`` if unknown).

    Examples
    --------
    >>> from skrebalance.strategies import get_strategy_class
    >>> get_strategy_class("focal").__name__
    'FocalLossStrategy'
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"Unknown strategy {name!r}; available strategies: {available()}."
        ) from None


def _one(spec):
    if spec is None:
        return NoStrategy()
    if isinstance(spec, str):
        return get_strategy_class(spec)()
    if isinstance(spec, RebalancingStrategy):
        return clone(spec)
    if isinstance(spec, type) and issubclass(spec, RebalancingStrategy):
        return spec()
    raise TypeError(
        "strategy must be None, a strategy name, a RebalancingStrategy instance "
        f"or a list of those, got {type(spec).__name__}: {spec!r}."
    )


def resolve_strategies(spec, params):
    """Turn the ``strategy`` parameter into fresh strategy instances.

    Parameters
    ----------
    spec : None, str, RebalancingStrategy, or list of those
        The classifier's ``strategy`` parameter. Instances are cloned, so the
        user's object is never modified by fitting.
    params : dict
        The classifier's ``strategy__*`` parameters, without the prefix. With
        one strategy each key is one of its parameters. With a list, a key
        ``<name>__<param>`` targets the member registered as ``<name>``, and a
        plain ``<param>`` goes to every member that has it.

    Returns
    -------
    list of RebalancingStrategy
        At most one sampling and one loss strategy; ``"none"`` members are
        dropped from lists.

    Examples
    --------
    >>> from skrebalance.strategies import resolve_strategies
    >>> [type(s).__name__ for s in resolve_strategies(["none", "focal"], {"gamma": 1.0})]
    ['FocalLossStrategy']
    >>> resolve_strategies("focal", {"gamma": 0.5})[0].gamma
    0.5
    """
    members = spec if isinstance(spec, (list, tuple)) else [spec]
    if len(members) == 0:
        raise ValueError("strategy must not be an empty list.")
    strategies = [_one(m) for m in members]
    if len(strategies) > 1:
        strategies = [s for s in strategies if not isinstance(s, NoStrategy)] or [
            NoStrategy()
        ]

    for key, value in params.items():
        targets = _targets(strategies, key)
        if not targets:
            valid = sorted({p for s in strategies for p in s.get_params(deep=False)})
            raise ValueError(
                f"Invalid parameter strategy__{key}: no strategy in "
                f"{[_name(s) for s in strategies]} accepts it. Valid parameters: {valid}."
            )
        for strategy, param in targets:
            strategy.set_params(**{param: value})

    # only now are modes known (e.g. CDB's mode="sampling")
    if len(strategies) > 1 and sum(s.provides_loss for s in strategies) > 1:
        for strategy in strategies:  # e.g. logit adjustment's "auto" turns post-hoc
            if strategy.defer_loss():
                break
    n_loss = sum(s.provides_loss for s in strategies)
    n_sampling = sum(s.provides_sampling for s in strategies)
    if len(strategies) > 1 and (n_loss > 1 or n_sampling > 1):
        raise ValueError(
            "strategy lists combine at most one loss strategy with at most one "
            f"sampling strategy; got {[_name(s) for s in strategies]}."
        )
    return strategies


def _name(strategy):
    return getattr(strategy, "strategy_name", type(strategy).__name__)


def _targets(strategies, key):
    if "__" in key:
        name, param = key.split("__", 1)
        named = [s for s in strategies if _name(s) == name]
        if named:
            return [(s, param) for s in named if param in s.get_params(deep=False)]
    return [(s, key) for s in strategies if key in s.get_params(deep=False)]
