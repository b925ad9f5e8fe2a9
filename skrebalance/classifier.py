"""RebalancedNetClassifier: a scikit-learn classifier on skorch with ``strategy=``."""

import contextlib
import inspect
import threading
from collections.abc import Mapping

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from sklearn_compat.utils.validation import validate_data
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.utils import is_dataset, to_tensor
from torch import nn

from .modules import MLP
from .samplers import DeviceBatchIterator, weighted_draw
from .strategies import RebalancingStrategy, resolve_strategies

#: rows per forward pass when predicting or when a strategy scores the training set
EVAL_BATCH_SIZE = 8192


class RebalancedNetClassifier(NeuralNetClassifier):
    """Neural-network classifier with a class-imbalance re-balancing strategy.

    A skorch :class:`~skorch.classifier.NeuralNetClassifier` that behaves like a
    scikit-learn classifier (any labels, float64/pandas input, input checks,
    ``classes_``, ``n_features_in_``, pickling, ``clone``, ``random_state``)
    and re-balances training with ``strategy``. Training data are converted to
    tensors on the device once per fit and batches are indexed out of them.

    Parameters
    ----------
    module : type or torch.nn.Module, default=MLP
        The torch module returning logits. If its constructor accepts
        ``n_features`` / ``n_classes`` and they are not given as
        ``module__n_features`` / ``module__n_classes``, they are filled from the
        data at fit time. Set the width of the default MLP with
        ``module__hidden_units`` (``()`` gives a linear model).
    strategy : None, str, RebalancingStrategy or list, default=None
        How to re-balance: ``None``/``"none"``, a name from
        :func:`skrebalance.strategies.available`, a strategy instance, or a list
        combining one sampling strategy with one loss strategy. Its parameters
        can be set as ``strategy__<param>`` (also in ``GridSearchCV``); with a
        list, ``strategy__<name>__<param>`` targets one member.
    criterion : type, default=torch.nn.CrossEntropyLoss
        Loss used when no strategy provides one.
    optimizer : type, default=torch.optim.Adam
        Optimizer class; its parameters as ``optimizer__<param>``.
    lr : float, default=0.01
        Learning rate.
    max_epochs : int, default=50
        Number of passes (epochs) per ``fit``.
    batch_size : int, default=128
        Training batch size.
    train_split : None or callable, default=None
        skorch's validation split (e.g. ``skorch.dataset.ValidSplit(5)``);
        ``None`` trains on all rows, which suits cross-validation.
    callbacks : list or None, default=None
        Extra skorch callbacks.
    warm_start : bool, default=False
        Whether ``fit`` continues from the current weights and strategy state.
    verbose : int, default=0
        skorch's per-epoch log when ``> 0``.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and sampling of each fit; with an
        int two fits give identical predictions (on the CPU).
    **kwargs
        Any other skorch parameter (``module__*``, ``optimizer__*``,
        ``strategy__*``, ``iterator_train__*`` ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    n_classes_ : int
        Number of classes.
    device_ : torch.device
        The device actually used.
    strategy_ : RebalancingStrategy or list of RebalancingStrategy
        The fitted strategy (a list when ``strategy`` was a list); its state
        (weights, difficulties) are attributes ending in ``_``.
    module_, criterion_, optimizer_, history_
        As in skorch.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = RebalancedNetClassifier(strategy="focal", max_epochs=5, random_state=0)
    >>> model = make_pipeline(StandardScaler(), clf).fit(X, y)
    >>> model.predict_proba(X[:2]).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """

    prefixes_ = NeuralNetClassifier.prefixes_ + ["strategy"]

    def __init__(
        self,
        module=MLP,
        *,
        strategy=None,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=50,
        batch_size=128,
        train_split=None,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        random_state=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.strategy = strategy
        self.random_state = random_state

    # ------------------------------------------------------------------
    # scikit-learn facing API

    def fit(self, X, y, **fit_params):
        """Validate the data, (re)initialize unless warm-starting, and train.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (float64, int and DataFrames are cast to float32).
        y : array-like of shape (n_samples,)
            Class labels of any hashable type.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        self : RebalancedNetClassifier
        """
        refit = not (self.warm_start and self.initialized_)
        X, y = self._validate_training_data(X, y, reset=refit)
        seed = self._draw_seed()
        if refit:
            with _seeded_global_rng(seed, self.device, hold_lock=True):
                self.initialize()
        return self._train(X, y, seed, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, initializing only on first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features.
        y : array-like of shape (n_samples,)
            Class labels; all must be among ``classes`` (first call) or
            ``classes_`` (later calls).
        classes : array-like of shape (n_classes,), default=None
            All labels that can occur, needed on the first call when a batch
            may not hold every class.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        self : RebalancedNetClassifier
        """
        first = not self.initialized_
        X, y = self._validate_training_data(X, y, reset=first, classes=classes)
        seed = self._draw_seed()
        if first:
            with _seeded_global_rng(seed, self.device, hold_lock=True):
                self.initialize()
        return self._train(X, y, seed, **fit_params)

    def predict_proba(self, X):
        """Return class probabilities (rows sum to 1) in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if is_dataset(X):  # skorch-style input, e.g. from skorch callbacks
            return super().predict_proba(X)
        X = self._validate_X(X, reset=False)
        X_t = torch.as_tensor(X, device=self.device_)
        logits = self.adjusted_logits(self.infer_logits(X_t))
        proba = self._get_predict_nonlinearity()(logits).to(torch.float64)
        proba /= proba.sum(dim=1, keepdim=True)
        return proba.cpu().numpy()

    def adjusted_logits(self, logits):
        """Apply every strategy's ``adjust_logits``, in order (prediction logits)."""
        for strategy in getattr(self, "strategies_", []):
            logits = strategy.adjust_logits(self, logits)
        return logits

    def predict(self, X):
        """Return the predicted class labels (of the same type as ``y``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    @property
    def classes_(self):
        if not hasattr(self, "label_encoder_"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_': call fit first."
            )
        return self.label_encoder_.classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.classifier_tags.poor_score = True  # few epochs in the common checks
        tags.non_deterministic = self.random_state is None
        return tags

    def __sklearn_is_fitted__(self):
        return getattr(self, "initialized_", False) and hasattr(self, "label_encoder_")

    def set_params(self, **params):
        """Set parameters; ``strategy`` and ``strategy__*`` apply at the next fit."""
        # strategy parameters take effect at the next fit; so do the callbacks
        # of a net not yet initialized (skorch would build them right away).
        deferred = ("strategy", "callbacks") if not self.initialized_ else ("strategy",)
        strategy_params = {
            key: params.pop(key)
            for key in list(params)
            if key in deferred or key.startswith("strategy__")
        }
        for key, value in strategy_params.items():
            setattr(self, key, value)
            if "__" in key:
                self._params_to_validate.add(key)
        if params:
            super().set_params(**params)
        return self

    # ------------------------------------------------------------------
    # data validation

    def _validate_X(self, X, reset):
        return validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=False,
            dtype=np.float32,
            ensure_2d=True,
            ensure_all_finite=True,
            ensure_min_samples=1,
        )

    def _validate_training_data(self, X, y, reset, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=False,
            dtype=np.float32,
            ensure_all_finite=True,
            ensure_min_samples=2,
            multi_output=False,
            y_numeric=False,
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
            self.label_encoder_ = encoder
            self.n_classes_ = len(encoder.classes_)
            if classes is not None and not np.isin(y, encoder.classes_).all():
                raise ValueError("y holds labels that are not in `classes`.")
        else:
            unseen = ~np.isin(y, self.classes_)
            if unseen.any():
                raise ValueError(
                    f"y holds labels not seen in the first fit: {np.unique(y[unseen])[:5]}."
                )
        return X, self.label_encoder_.transform(y).astype(np.int64)

    # ------------------------------------------------------------------
    # initialization (skorch)

    def initialize(self):
        """Resolve the device and the strategy, then initialize as skorch does."""
        self.device_ = _resolve_device(self.device)
        with self._skorch_sees_device():
            return super().initialize()

    @contextlib.contextmanager
    def _skorch_sees_device(self):
        # skorch moves modules to ``self.device``; show it the resolved one,
        # keep the user's parameter (e.g. "auto") for get_params/clone.
        param = self.device
        vars(self)["device"] = self.device_
        try:
            yield
        finally:
            vars(self)["device"] = param

    @property
    def _default_callbacks(self):
        # skorch's valid_acc scorer predicts on a skorch Dataset of encoded
        # labels; valid_loss covers the validation split.
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("print_log", PrintLog()),
        ]

    def initialize_callbacks(self):
        """Initialize skorch's callbacks and the strategy callbacks.

        The strategies run after the user's callbacks but before ``PrintLog``,
        so what they record in the history shows in the same epoch's log.
        """
        super().initialize_callbacks()
        params = self.get_params_for("strategy")
        strategies = resolve_strategies(self.strategy, params)
        for strategy in strategies:
            strategy.initialize()
        self.strategy_ = strategies[0] if len(strategies) == 1 else strategies
        self.strategies_ = strategies
        names = [name for name, _ in self.callbacks_]
        at = names.index("print_log") if "print_log" in names else len(names)
        for i, strategy in enumerate(strategies):
            self.callbacks_.insert(at + i, (f"strategy_{i}", strategy))
        return self

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_", private ones too
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def _get_params_callbacks(self, deep=True):
        params = super()._get_params_callbacks(deep=deep)
        return {
            key: value
            for key, value in params.items()
            if not key.startswith("callbacks__strategy_")
        }

    def initialize_module(self):
        """Build the module, filling ``n_features``/``n_classes`` from the data."""
        kwargs = self.get_params_for("module")
        module = self.module
        if not isinstance(module, nn.Module):
            accepted = _init_arguments(module)
            if "n_features" in accepted and hasattr(self, "n_features_in_"):
                kwargs.setdefault("n_features", self.n_features_in_)
            if "n_classes" in accepted and hasattr(self, "n_classes_"):
                kwargs.setdefault("n_classes", self.n_classes_)
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    def initialize_criterion(self):
        """Use the loss strategy's criterion if there is one, else ``criterion``."""
        loss_strategy = self.loss_strategy_
        if loss_strategy is None:
            return super().initialize_criterion()
        self.criterion_ = loss_strategy.get_criterion(self)
        return self

    @property
    def loss_strategy_(self):
        """The strategy that provides the training loss, or ``None``."""
        return next((s for s in getattr(self, "strategies_", []) if s.provides_loss), None)

    @property
    def sampling_strategy_(self):
        """The strategy that provides the sampling weights, or ``None``."""
        return next(
            (s for s in getattr(self, "strategies_", []) if s.provides_sampling), None
        )

    def _get_predict_nonlinearity(self):
        if self.predict_nonlinearity == "auto":
            # every strategy trains on logits: probabilities are their softmax
            return _softmax
        return super()._get_predict_nonlinearity()

    # ------------------------------------------------------------------
    # training on device-resident tensors

    def _train(self, X, y, seed, **fit_params):
        # Shuffles and draws of this fit (and of its strategies) use their own
        # generator, so fits running in threads (Dask workers) stay
        # reproducible; torch's global RNG is seeded too, for dropout.
        self.train_generator_ = None
        if seed is not None:
            self.train_generator_ = torch.Generator(device=self.device_)
            self.train_generator_.manual_seed(seed)
        with _seeded_global_rng(seed, self.device_, hold_lock=False):
            return self._train_on_device(X, y, **fit_params)

    def _train_on_device(self, X, y, **fit_params):
        X_t = torch.as_tensor(X, device=self.device_)
        y_t = torch.as_tensor(y, device=self.device_)
        train_idx, valid_idx = self._split_indices(X_t, y)
        if train_idx is None:
            self.train_X_, self.train_y_ = X_t, y_t
            valid = None
        else:
            self.train_X_, self.train_y_ = X_t[train_idx], y_t[train_idx]
            valid = (X_t[valid_idx], y_t[valid_idx])
        self.train_sample_weight_ = None
        try:
            self.notify("on_train_begin", X=X, y=y)
            try:
                self._fit_epochs(valid, **fit_params)
            except KeyboardInterrupt:
                pass
            self.notify("on_train_end", X=X, y=y)
        finally:
            # the training data must not be kept (nor pickled) with the model
            del self.train_X_, self.train_y_, self.train_generator_, self.train_sample_weight_
        return self

    def _split_indices(self, X_t, y):
        if not self.train_split:
            return None, None
        dataset = torch.utils.data.TensorDataset(torch.arange(len(y)))
        train, valid = self.train_split(dataset, y)
        as_idx = lambda subset: torch.as_tensor(  # noqa: E731
            np.asarray(subset.indices), device=self.device_
        )
        return as_idx(train), as_idx(valid)

    def _epoch_indices(self):
        """Row order of one training epoch: weighted draws or a shuffle."""
        rows = None
        for strategy in self.strategies_:
            rows = strategy.training_rows(self) if rows is None else rows
        strategy = self.sampling_strategy_
        weights = None if strategy is None else strategy.sampling_weights(self)
        n = self.train_y_.shape[0] if rows is None else rows.shape[0]
        if weights is None:
            order = torch.randperm(n, device=self.device_, generator=self.train_generator_)
        else:
            weights = weights if rows is None else weights[rows]
            order = weighted_draw(weights, n, generator=self.train_generator_)
        return order if rows is None else rows[order]

    def _fit_epochs(self, valid, **fit_params):
        train_iter = DeviceBatchIterator(
            self.train_X_, self.train_y_, self.batch_size, index_fn=self._epoch_indices
        )
        valid_iter = None
        if valid is not None:
            valid_iter = DeviceBatchIterator(*valid, max(self.batch_size, EVAL_BATCH_SIZE))
        epoch_kwargs = {"dataset_train": None, "dataset_valid": None}
        for _ in range(self.max_epochs):
            self.notify("on_epoch_begin", **epoch_kwargs)
            self.run_single_epoch(
                train_iter, training=True, prefix="train", step_fn=self.train_step, **fit_params
            )
            self.run_single_epoch(
                valid_iter,
                training=False,
                prefix="valid",
                step_fn=self.validation_step,
                **fit_params,
            )
            self.notify("on_epoch_end", **epoch_kwargs)

    def get_params_for_optimizer(self, prefix, named_parameters):
        """Optimizer arguments; Adam and AdamW default to ``fused=True``.

        The fused kernel updates every parameter in one call instead of about
        ten tensor operations per parameter: the same algorithm, about a
        quarter less time per batch for a small net on the CPU.
        ``optimizer__fused=False`` (or any ``optimizer__foreach``) keeps
        torch's default implementation.
        """
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if (
            getattr(self, prefix, None) in _FUSED_BY_DEFAULT
            and "fused" not in kwargs
            and "foreach" not in kwargs
            and self.device_.type in _fused_devices()
        ):
            kwargs["fused"] = True
        return args, kwargs

    def _set_training(self, training=True):
        # skorch calls this before every batch; module.train() walks every
        # submodule through nn.Module.__setattr__, a measurable share of a
        # small net's step. Skip it when the modules are already in that mode.
        modules = [getattr(self, name + "_", None) for name in self._modules + self._criteria]
        if all(getattr(m, "training", training) == training for m in modules):
            return
        super()._set_training(training)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator``; batch losses reach the host once per epoch.

        skorch calls ``loss.item()`` after every batch, a device synchronisation
        per step. Here the losses stay on the device until the epoch ends.
        """
        if iterator is None:
            return
        losses = []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            self.history.record_batch(prefix + "_batch_size", batch[0].shape[0])
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            values = torch.stack(losses).float().cpu().tolist()
            for row, value in zip(self.history[-1]["batches"][-len(values) :], values):
                row[prefix + "_loss"] = value
        self.history.record(prefix + "_batch_count", len(losses))

    def infer(self, x, **fit_params):
        """Forward ``x`` (already on the device) through the module."""
        x = to_tensor(x, device=self.device_)
        if isinstance(x, Mapping):
            return self.module_(**self._merge_x_and_fit_params(x, fit_params))
        return self.module_(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        """Loss of a batch: the criterion on the logits (first output).

        ``sample_weight`` (float tensor (n,) or ``None``) is passed to the
        criterion's ``forward(logits, target, sample_weight=None)``.
        """
        if isinstance(y_pred, (tuple, list)):
            y_pred = y_pred[0]
        if sample_weight is None:
            return self.criterion_(y_pred, y_true.to(self.device_))
        return self.criterion_(y_pred, y_true.to(self.device_), sample_weight=sample_weight)

    @torch.no_grad()
    def infer_logits(self, X, batch_size=EVAL_BATCH_SIZE):
        """Raw logits of a device tensor, in eval mode, without autograd."""
        self._set_training(False)
        parts = []
        for start in range(0, X.shape[0], batch_size):
            out = self.module_(X[start : start + batch_size])
            parts.append(out[0] if isinstance(out, (tuple, list)) else out)
        if not parts:
            return torch.empty(0, self.n_classes_, device=self.device_)
        return torch.cat(parts)

    @torch.no_grad()
    def infer_proba(self, X, batch_size=EVAL_BATCH_SIZE):
        """Class probabilities of a device tensor, in eval mode, without autograd.

        Strategies call this to score the training set after an epoch; the
        result stays on the device.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)
            Inputs on ``device_``.
        batch_size : int, default=8192
            Rows per forward pass.

        Returns
        -------
        torch.Tensor of shape (n, n_classes)
        """
        return self._get_predict_nonlinearity()(self.infer_logits(X, batch_size))

    def _draw_seed(self):
        if self.random_state is None:
            return None
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def __repr__(self):
        # skorch shows only the module; the strategy is what tells nets apart
        first, _, rest = super().__repr__().partition("\n")
        return f"{first}\n  strategy={self.strategy!r},\n{rest}"

    # ------------------------------------------------------------------
    # persistence

    #: attributes pickled in the same torch bundle as module_/criterion_/
    #: optimizer_ (prefixes): the strategies (which own the criterion and hold
    #: tensors) and the callbacks that reference them. One bundle keeps
    #: ``criterion_ is strategy.criterion_`` and lets skorch's map_location
    #: move every tensor, strategy state included, to the loading device.
    _bundled_prefixes = ("callbacks", "strateg")

    def __getstate__(self):
        own = self.cuda_dependent_attributes_
        vars(self)["cuda_dependent_attributes_"] = own + list(self._bundled_prefixes)
        try:
            state = super().__getstate__()
        finally:
            vars(self)["cuda_dependent_attributes_"] = own
        state["cuda_dependent_attributes_"] = own
        return state

    def __setstate__(self, state):
        # skorch maps tensors to state["device"]; give it the resolved device
        # (CPU when a CUDA-trained model is loaded without a GPU).
        param = state.get("device")
        if param == "auto" or param is None:
            state["device"] = _resolve_device(param) if "device_" in state else "cpu"
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = torch.device(self.device)
            for strategy in getattr(self, "strategies_", []):
                _move_state(strategy, self.device_)
        vars(self)["device"] = param


_FUSED_BY_DEFAULT = (torch.optim.Adam, torch.optim.AdamW)


def _fused_devices():
    # fused Adam runs on CUDA since torch 2.0 and on the CPU since torch 2.4
    version = torch.torch_version.TorchVersion(torch.__version__)
    return ("cpu", "cuda") if version >= "2.4" else ("cuda",)


#: guards torch's global RNG state while a fit seeds and restores it
_GLOBAL_RNG_LOCK = threading.Lock()


@contextlib.contextmanager
def _seeded_global_rng(seed, device, hold_lock):
    """Seed torch's global RNG for the block, then restore the caller's state.

    With ``hold_lock`` the whole block runs under a process-wide lock (weight
    initialisation: short, and it must not interleave with another thread's
    seeding); otherwise only the seeding and the restoring do.
    """
    if seed is None:
        yield
        return
    device = _resolve_device(device)
    cuda = device.type == "cuda"
    _GLOBAL_RNG_LOCK.acquire()
    try:
        saved = torch.get_rng_state(), torch.cuda.get_rng_state(device) if cuda else None
        torch.manual_seed(seed)
        if not hold_lock:
            _GLOBAL_RNG_LOCK.release()
        try:
            yield
        finally:
            if not hold_lock:
                _GLOBAL_RNG_LOCK.acquire()
            torch.set_rng_state(saved[0])
            if cuda:
                torch.cuda.set_rng_state(saved[1], device)
    finally:
        _GLOBAL_RNG_LOCK.release()


def _move_state(obj, device):
    for key, value in vars(obj).items():
        if key.endswith("_") and torch.is_tensor(value):
            setattr(obj, key, value.to(device))


def _softmax(logits):
    return torch.softmax(logits, dim=-1)


def _resolve_device(device):
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto' or a torch device, got {device!r}.") from exc


def _init_arguments(cls):
    try:
        return set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return set()
