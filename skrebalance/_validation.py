"""Checks of the classifier's parameters and of the data given to ``fit``.

One mechanism: scikit-learn's ``_parameter_constraints`` (``Interval``,
``StrOptions``), checked at the start of every fit under a name of our own
(skorch's ``NeuralNet._validate_params`` already means something else).
Errors are ``ValueError``/``TypeError`` naming the parameter.
"""

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import (
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, column_or_1d
from sklearn_compat.utils.validation import validate_data
from skorch.callbacks import BatchScoring, EpochScoring, LRScheduler, PassthroughScoring
from torch import nn
from torch.optim.lr_scheduler import ReduceLROnPlateau

#: constraints of the classifier's own and skorch's numeric parameters
PARAMETER_CONSTRAINTS = {
    "lr": [Interval(Real, 0, np.inf, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "batch_size": [
        Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}), StrOptions({"auto"})
    ],
    "warm_start": ["boolean"],
    "verbose": ["verbose"],
    "random_state": ["random_state"],
    "class_weight": [dict, StrOptions({"balanced"}), None],
    "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    "train_split": [None, callable, Interval(RealNotInt, 0, 1, closed="neither")],
    "device": [str, torch.device, None],
    "predict_nonlinearity": [StrOptions({"auto"}), callable],
    "cuda_graph": [StrOptions({"auto"}), "boolean"],
}


def check_parameters(net):
    """Check ``net``'s parameters against :data:`PARAMETER_CONSTRAINTS`."""
    params = {key: getattr(net, key) for key in PARAMETER_CONSTRAINTS}
    validate_parameter_constraints(PARAMETER_CONSTRAINTS, params, type(net).__name__)


def check_criterion_params(net, loss_strategy):
    """Refuse ``criterion`` / ``criterion__*`` that a loss strategy would ignore."""
    if loss_strategy is None:
        return
    name = type(loss_strategy).__name__
    if net.criterion is not nn.CrossEntropyLoss:
        raise ValueError(
            f"criterion={net.criterion!r} cannot be used with the loss strategy {name}, "
            "which provides the training loss; leave criterion at its default."
        )
    params = sorted(net.get_params_for("criterion"))
    if params:
        raise ValueError(
            f"criterion__{params[0]} cannot be used with the loss strategy {name}, which "
            "builds its own criterion: use class_weight= (or fit's sample_weight) for "
            "class weights and strategy__<param> for the loss's parameters."
        )


def check_monitored_keys(net):
    """Refuse a callback that monitors a validation score when nothing is validated.

    Under ``train_split=None`` (the default) no validation data is scored, so
    no validation key is ever recorded: skorch's ``EarlyStopping()`` (which
    monitors ``valid_loss``), ``Checkpoint()`` (``valid_loss_best``), an
    ``LRScheduler`` with ``ReduceLROnPlateau`` or any callback whose ``monitor``
    names a validation score would fail after the first epoch with a
    ``KeyError`` from the history. A validation score is a key starting with
    ``valid_``, or the name of a scoring callback with ``on_train=False``
    (``EpochScoring``, ``BatchScoring``, ``PassthroughScoring``), with or
    without the ``_best`` suffix. A callable ``monitor`` and a callable
    ``train_split`` are the user's own and are not checked.

    Parameters
    ----------
    net : RebalancedNetClassifier
        An initialized net (``callbacks_`` built).

    Raises
    ------
    ValueError
        Naming the callback, its ``monitor`` and the two ways out: a
        validation split (``train_split=0.2``) or a training score.
    """
    if net.train_split is not None:
        return
    callbacks = list(getattr(net, "callbacks_", ()))
    scored_on_valid = {
        getattr(cb, "name_", None) or cb.name for _, cb in callbacks
        if isinstance(cb, (EpochScoring, BatchScoring, PassthroughScoring)) and not cb.on_train
    }
    for name, cb in callbacks:
        monitor = getattr(cb, "monitor", None)
        if not isinstance(monitor, str) or not _monitors(cb):
            continue
        best = monitor.endswith("_best")
        key = monitor[:-len("_best")] if best else monitor
        if key.startswith("valid_") or key in scored_on_valid:
            train_key = "train_loss_best" if best else "train_loss"
            raise ValueError(
                f"callback {name!r} ({type(cb).__name__}) monitors {monitor!r}, a validation "
                "score, but train_split=None holds out no validation data, so it is never "
                "recorded: set train_split to a fraction (for example train_split=0.2) or a "
                f"skorch ValidSplit, or monitor a training score (monitor={train_key!r})."
            )


def _monitors(callback):
    """Whether ``callback`` reads its ``monitor`` (a scheduler only with ReduceLROnPlateau)."""
    if not isinstance(callback, LRScheduler):
        return True
    policy = callback.policy
    if isinstance(policy, str):
        return policy == ReduceLROnPlateau.__name__
    return isinstance(policy, type) and issubclass(policy, ReduceLROnPlateau)


def check_fit_params(module, fit_params):
    """Raise a ``TypeError`` for fit parameters the module's ``forward`` cannot take."""
    if not fit_params:
        return
    try:
        parameters = inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    unknown = sorted(set(fit_params) - set(parameters))
    if unknown:
        raise TypeError(
            f"fit got unexpected parameter(s) {unknown}: fit passes extra keyword "
            f"arguments to the module's forward, which takes {sorted(parameters)}. "
            "Per-row weights go in sample_weight=."
        )


def validate_X(net, X, reset):
    """Validate ``X`` as scikit-learn does; returns float32 numpy."""
    return validate_data(
        net, X, reset=reset, accept_sparse=False, dtype=np.float32, ensure_2d=True,
        ensure_all_finite=True, ensure_min_samples=1,
    )


def validate_training_data(net, X, y, reset, classes=None):
    """Validate ``X``/``y``, fit or check the label encoder; returns X, encoded y, raw y."""
    if y is None:
        raise ValueError(
            f"{type(net).__name__} requires y to be passed, but the target y is None."
        )
    X, y = validate_data(
        net, X, y, reset=reset, accept_sparse=False, dtype=np.float32,
        ensure_all_finite=True, ensure_min_samples=2, multi_output=False, y_numeric=False,
    )
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if reset:
        encoder = LabelEncoder().fit(y if classes is None else np.asarray(classes))
        if len(encoder.classes_) < 2:
            raise ValueError(
                "The target y holds only one class "
                f"({encoder.classes_[0]!r}); a classifier needs at least 2 classes."
            )
        if classes is not None and not np.isin(y, encoder.classes_).all():
            raise ValueError("y holds labels that are not in `classes`.")
        net.label_encoder_ = encoder
        net.n_classes_ = len(encoder.classes_)
    else:
        unseen = ~np.isin(y, net.classes_)
        if unseen.any():
            raise ValueError(
                f"y holds labels not seen in the first fit: {np.unique(y[unseen])[:5]}."
            )
    return X, net.label_encoder_.transform(y).astype(np.int64), y


def row_weights(net, X, y_raw, y_encoded, sample_weight):
    """Per-row loss weights: ``sample_weight * class_weight[y]``, or ``None``.

    ``class_weight`` is as in scikit-learn's ``LogisticRegression``: a dict
    ``{label: weight}`` (missing labels weigh 1) or ``"balanced"``,
    ``n / (n_classes * n_c)`` over the rows given to ``fit``.
    """
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(sample_weight, X, dtype=np.float32,
                                       ensure_non_negative=True)
    if net.class_weight is not None:
        classes = net.classes_
        present = np.isin(classes, y_raw)
        if isinstance(net.class_weight, dict):
            unknown = [k for k in net.class_weight if k not in set(classes.tolist())]
            if unknown:
                raise ValueError(f"class_weight has labels that are not in y: {unknown}.")
            per_class = compute_class_weight(net.class_weight, classes=classes, y=y_raw)
        else:  # "balanced", over the classes present in this fit
            per_class = np.ones(len(classes))
            per_class[present] = compute_class_weight(
                "balanced", classes=classes[present], y=y_raw
            )
        per_row = per_class.astype(np.float32)[y_encoded]
        weights = per_row if weights is None else weights * per_row
    if weights is not None and not weights.sum() > 0:
        raise ValueError("sample_weight (times class_weight) must have a positive sum.")
    return weights
