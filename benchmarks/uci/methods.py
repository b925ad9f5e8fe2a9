"""Methods of the UCI/KEEL benchmark and their tuning grids, declared in one place.

A method is a small picklable description (:class:`Method`); :func:`build_estimator`
turns it into a fresh scikit-learn / imbalanced-learn pipeline whose first step
scales numeric columns and one-hot encodes categorical ones, fitted on the
training fold only. The methods:

- every registered strategy of :class:`~skrebalance.RebalancedNetClassifier`
  (same module, epochs and optimizer for all, from the run's settings);
- ``default``: ``RebalancedNetClassifier()`` with the package's own defaults, as
  shipped (only ``random_state`` and ``device`` set), on raw numeric columns
  (categorical ones one-hot encoded): what a user gets without arguments;
- baselines: ``LogisticRegression`` plain and ``class_weight="balanced"``; the
  plain net after ``RandomOverSampler`` / SMOTE / ``RandomUnderSampler``;
  ``BalancedRandomForestClassifier``; ``LightGBM-balanced``
  (``LGBMClassifier(class_weight="balanced")``, one thread, deterministic, seeded);
  ``RealMLP``: pytabkit's ``RealMLP_TD_Classifier`` with its own defaults (its
  own robust scaling, so raw columns too; one thread), in full runs only, and
  left out with a note when pytabkit is not installed.
"""

import importlib.util
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from imblearn.ensemble import BalancedRandomForestClassifier
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import _common
from skrebalance.strategies import available, get_strategy_class

# ---------------------------------------------------------------------------
# Tuning grids (--tune): the ONE place where candidate values live.

#: Candidate values of each strategy's own parameters, by strategy name.
#: ``"auto"`` (the default of ``beta`` and ``c``) is a candidate wherever the
#: strategy accepts it, next to the fixed values.
STRATEGY_GRIDS = {
    "focal": {"gamma": [0.5, 1.0, 2.0, 5.0]},  # Lin et al.: 2 is best
    # Cui et al.'s values, or 1 - 1/n_max from the class counts
    "class_balanced": {"beta": [0.9, 0.99, 0.999, 0.9999, "auto"]},
    "cdb": {"tau": [0.5, 1.0, 2.0, "sigmoid"]},  # Sinha et al.: fixed or dynamic
    "ghm_cwap": {"gamma": [0.0, 0.4, 0.8, 1.6]},  # margin strength
    # Yu et al.'s difficulty prior, fixed or the mean PSI of the first update
    "instance_difficulty": {"c": [0.01, 0.1, 1.0, "auto"]},
    # Tang et al.'s values (CIFAR-10-LT, CIFAR-100-LT, ImageNet-LT) and a smaller one
    "tde": {"alpha": [0.5, 1.0, 1.5, 3.0]},
}

#: Grid of strategies registered later without an entry above: the parameters
#: they actually have (``get_params``) among these names. Values a strategy's
#: own checks reject are dropped, so new strategies never break ``--tune``.
GENERIC_STRATEGY_GRID = {
    "gamma": [0.5, 1.0, 2.0],
    "beta": [0.9, 0.99, 0.999, 0.9999, "auto"],
    "tau": [0.5, 1.0, 2.0],
    "c": [0.01, 0.1, 1.0, "auto"],
}

#: Grids of the baselines, by method name (step names as in build_estimator).
BASELINE_GRIDS = {
    "LR": {"clf__C": [0.01, 0.1, 1.0, 10.0]},
    "LR-balanced": {"clf__C": [0.01, 0.1, 1.0, 10.0]},
    "SMOTE+net": {"sampler__k_neighbors": [3, 5, 7]},
    "BRF": {"clf__min_samples_leaf": [1, 2, 5]},
    "LightGBM-balanced": {"clf__num_leaves": [7, 15, 31]},
}

#: Strategies of the paper replication (Yu et al., Table 4: Base / CB / Ours).
PAPER_STRATEGIES = ("none", "class_balanced", "instance_difficulty")

#: Baselines, in report order.
BASELINES = ("LR", "LR-balanced", "ROS+net", "SMOTE+net", "RUS+net", "BRF",
             "LightGBM-balanced", "RealMLP")

#: Why a method cannot run here, by method name (checked by :func:`unavailable`).
REQUIREMENTS = {"LightGBM-balanced": "lightgbm", "RealMLP": "pytabkit"}


@dataclass(frozen=True)
class NetSettings:
    """What every net of one run shares (module width, epochs, learning rate, batch size)."""

    epochs: int = 50
    hidden_units: tuple = (64, 64)
    lr: float = 0.01
    batch_size: int = 128
    device: str = "cpu"
    brf_trees: int = 100
    #: nets with the package's own recipe (only ``strategy`` set), on raw inputs
    package_recipe: bool = False
    #: ``--paper``: the paper's optimisation as well (Adam at a constant rate, no
    #: input layer of the package's recipe: the inputs are standardised)
    paper: bool = False
    #: ``--label-noise``: the fraction of each training fold's labels replaced by
    #: another class (:func:`uci.jobs.flip_labels`); the test labels stay clean
    label_noise: float = 0.0
    #: ``--raw-inputs``: the strategy nets see the numeric columns unscaled (with
    #: ``--paper``: no standardisation and no input layer)
    raw_inputs: bool = False


@dataclass(frozen=True)
class Method:
    """A benchmarked method.

    ``family`` is "strategy", "default", "lr", "sampler", "brf", "lgbm" or "realmlp".
    """

    name: str
    family: str
    option: object = None  # strategy name, LR class_weight or sampler name
    #: a strategy's own parameters, as sorted ``(name, value)`` pairs
    params: tuple = ()


def all_methods(paper=False):
    """Every method of a run: ``default``, the registered strategies, the baselines."""
    if paper:
        return [Method(s, "strategy", s) for s in PAPER_STRATEGIES if s in available()]
    names = sorted(available(), key=lambda s: (s != "none", s))  # "none" first
    methods = [Method("default", "default")]
    methods += [Method(s, "strategy", s) for s in names]
    methods += [
        Method("LR", "lr", None),
        Method("LR-balanced", "lr", "balanced"),
        Method("ROS+net", "sampler", "ros"),
        Method("SMOTE+net", "sampler", "smote"),
        Method("RUS+net", "sampler", "rus"),
        Method("BRF", "brf", None),
        Method("LightGBM-balanced", "lgbm", None),
        Method("RealMLP", "realmlp", None),
    ]
    return methods


def unavailable(method):
    """Why ``method`` cannot run in this environment ("" when it can)."""
    package = REQUIREMENTS.get(method.name)
    if package is None or importlib.util.find_spec(package) is not None:
        return ""
    return f"{method.name} needs {package}, which is not installed (pip install {package})"


def select_methods(methods, names):
    """Keep ``names`` (case-insensitive) in the given order; ValueError if unknown.

    A name ``label=strategy:param=value,...`` (or ``strategy:param=value,...``,
    then named by the whole spec) adds that strategy with its own parameters;
    a ``module__<param>`` among them sets the net's module (e.g.
    ``"tau16=tde:module__head_params={'tau':16.0}"``). ``a+b`` is the strategy
    list ``[a, b]`` (e.g. ``instance_difficulty+tde``).
    """
    if not names:
        return list(methods)
    by_key = {m.name.lower(): m for m in methods}
    chosen, unknown = [], []
    for name in dict.fromkeys(names):
        label, strategy, params = _common.parse_strategy(name)
        members = tuple(strategy.split("+"))
        if name.lower() in by_key:
            chosen.append(by_key[name.lower()])
        elif set(members) <= set(available()):  # a spec, a list, or a strategy not in
            # ``methods`` (with --paper: e.g. tde next to the paper's three)
            label = name if "=" not in name.partition(":")[0] else label
            option = members if len(members) > 1 else strategy
            chosen.append(Method(label, "strategy", option, tuple(sorted(params.items()))))
        else:
            unknown.append(name)
    if unknown:
        raise ValueError(
            f"--methods: unknown method(s) {unknown}; available: {[m.name for m in methods]} "
            "and label=<strategy>:<param>=<value>,...."
        )
    return chosen


# ---------------------------------------------------------------------------
# Estimators


class AdaptiveSMOTE(BaseEstimator):
    """SMOTE whose ``k_neighbors`` shrinks to fit the smallest class of the data.

    A training fold of a small data set can hold fewer than ``k_neighbors + 1``
    rows of a minority class, which plain SMOTE rejects. Here ``k`` becomes
    ``min(k_neighbors, n_smallest - 1)``; a class with a single row is first
    duplicated (SMOTE between identical rows is random over-sampling).
    The ``k`` used is stored as ``k_neighbors_``.
    """

    def __init__(self, k_neighbors=5, random_state=None):
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def fit_resample(self, X, y):
        X, y = np.asarray(X), np.asarray(y)
        counts = Counter(y.tolist())
        singles = [label for label, n in counts.items() if n == 1]
        if singles and len(counts) > 1:
            rows = np.flatnonzero(np.isin(y, singles))
            X, y = np.concatenate([X, X[rows]]), np.concatenate([y, y[rows]])
            counts = Counter(y.tolist())
        self.k_neighbors_ = max(1, min(self.k_neighbors, min(counts.values()) - 1))
        if len(counts) < 2 or len(set(counts.values())) == 1:
            return X, y  # one class or already balanced: nothing to synthesize
        smote = SMOTE(k_neighbors=self.k_neighbors_, random_state=self.random_state)
        return smote.fit_resample(X, y)


def make_preprocessor(scale=True):
    """Scale numeric columns (or pass them through), one-hot encode ``category`` columns."""
    return ColumnTransformer(
        [
            ("num", StandardScaler() if scale else "passthrough",
             make_column_selector(dtype_exclude="category")),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                make_column_selector(dtype_include="category"),
            ),
        ]
    )


def make_net(settings, random_state, strategy="none", params=None):
    """The one net configuration shared by every net-based method of a run.

    ``params``: the strategy's own parameters (``strategy__<name>``); keys
    starting with ``module__`` set the net's module instead.
    """
    params = dict(params or {})
    module = {key: params.pop(key) for key in list(params) if key.startswith("module__")}
    strategy = list(strategy) if isinstance(strategy, tuple) else strategy
    if settings.package_recipe:
        return _common.make_net(strategy, params, device=settings.device,
                                random_state=random_state, **module)
    paper = dict(optimizer=torch.optim.Adam, callbacks__lr_schedule=None,
                 module__input_scaling=None) if settings.paper else {}
    return _common.make_net(
        strategy, params, hidden_units=settings.hidden_units, epochs=settings.epochs,
        lr=settings.lr, batch_size=settings.batch_size, device=settings.device,
        random_state=random_state, **paper, **module)


def build_estimator(method, settings, random_state):
    """A fresh, unfitted pipeline for ``method`` seeded with ``random_state``."""
    prep = ("prep", make_preprocessor())
    net_prep = ("prep", make_preprocessor(
        scale=not (settings.package_recipe or settings.raw_inputs)))
    if method.family == "strategy":
        net = make_net(settings, random_state, method.option, dict(method.params))
        return Pipeline([net_prep, ("net", net)])
    if method.family == "lr":
        lr = LogisticRegression(max_iter=2000, class_weight=method.option)
        return Pipeline([prep, ("clf", lr)])
    if method.family == "sampler":
        samplers = {
            "ros": lambda: RandomOverSampler(random_state=random_state),
            "smote": lambda: AdaptiveSMOTE(random_state=random_state),
            "rus": lambda: RandomUnderSampler(random_state=random_state),
        }
        sampler = samplers[method.option]()
        net = make_net(settings, random_state)
        # scaled inputs: SMOTE's neighbours need comparable feature scales
        return ImbPipeline([prep, ("sampler", sampler), ("net", net)])
    if method.family == "brf":
        brf = BalancedRandomForestClassifier(
            n_estimators=settings.brf_trees, n_jobs=1, random_state=random_state
        )
        return Pipeline([prep, ("clf", brf)])
    raw = ("prep", make_preprocessor(scale=False))
    if method.family == "default":  # the package's defaults as shipped
        net = _common.make_net(device=settings.device, random_state=random_state)
        return Pipeline([raw, ("net", net)])
    if method.family == "lgbm":
        from lightgbm import LGBMClassifier

        lgbm = LGBMClassifier(class_weight="balanced", n_jobs=1, random_state=random_state,
                              deterministic=True, force_row_wise=True, verbose=-1)
        return Pipeline([prep, ("clf", lgbm)])
    if method.family == "realmlp":
        from pytabkit import RealMLP_TD_Classifier

        realmlp = RealMLP_TD_Classifier(random_state=random_state, n_threads=1,
                                        device=settings.device, verbosity=0)
        return Pipeline([raw, ("clf", realmlp)])
    raise ValueError(f"Unknown method family {method.family!r}.")


# ---------------------------------------------------------------------------
# Grids


def _valid_values(strategy_cls, param, values):
    """The values of ``param`` that the strategy's own checks accept."""
    kept = []
    for value in values:
        strategy = strategy_cls()
        strategy.set_params(**{param: value})  # skorch callbacks return None here
        try:
            strategy.initialize()
        except (ValueError, TypeError):
            continue
        kept.append(value)
    return kept


def strategy_grid(name):
    """``{"strategy__<param>": values}`` for the strategy registered as ``name``."""
    cls = get_strategy_class(name)
    own = cls().get_params(deep=False)
    grid = {}
    for param, values in STRATEGY_GRIDS.get(name, GENERIC_STRATEGY_GRID).items():
        values = _valid_values(cls, param, values) if param in own else []
        if values:
            grid[f"strategy__{param}"] = values
    return grid


def param_grid(method):
    """The tuning grid of ``method`` for ``build_estimator``'s pipeline ({} = none)."""
    if method.family == "strategy":
        if not isinstance(method.option, str):  # a strategy list: no grid
            return {}
        return {f"net__{key}": values for key, values in strategy_grid(method.option).items()}
    return dict(BASELINE_GRIDS.get(method.name, {}))
