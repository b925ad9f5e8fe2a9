"""RebalancedNetClassifier: a scikit-learn classifier on skorch with ``strategy=``."""

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._metadata_requests import _routing_enabled, process_routing
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from skorch.net import NeuralNet
from torch import nn

from ._budget import fit_budget
from ._cuda_graph import plan_captured_step
from ._device_data import DeviceDataMixin, DeviceDataset
from ._init import InitializationMixin
from ._persistence import PersistenceMixin, skorch_sees_device
from ._prediction import PredictionMixin
from ._threads import resolve_device, seeded_global_rng, torch_threads
from ._training import TrainingStepsMixin
from ._validation import (
    check_fit_params,
    check_parameters,
    row_weights,
    validate_training_data,
)
from .callbacks import WarmupCosineLR
from .modules import MLP


class RebalancedNetClassifier(
    PredictionMixin,
    PersistenceMixin,
    TrainingStepsMixin,
    DeviceDataMixin,
    InitializationMixin,
    NeuralNetClassifier,
):
    """Neural-network classifier with a class-imbalance re-balancing strategy.

    A skorch :class:`~skorch.classifier.NeuralNetClassifier` that behaves like a
    scikit-learn classifier (any labels, float64/pandas input, input checks,
    ``classes_``, ``n_features_in_``, ``sample_weight``, ``class_weight``,
    pickling, ``clone``, ``random_state``) and re-balances training with
    ``strategy``. It runs skorch's own training loop; its data sets hold
    tensors on the device and batches are indexed out of them, so skorch's
    callbacks (``EpochScoring``, ``EarlyStopping``, ``Checkpoint``,
    ``LRScheduler``, ``ProgressBar``) work as usual.

    Parameters
    ----------
    module : type or torch.nn.Module, default=MLP
        The torch module returning logits. If its constructor accepts
        ``n_features`` / ``n_classes`` and they are not given as
        ``module__n_features`` / ``module__n_classes``, they are filled from the
        data at fit time. Set the width of the default MLP with
        ``module__hidden_units`` (``()`` gives a linear model). If the module
        has a ``fit_input_statistics(X)`` method (the default MLP's robust
        input scaling), a fit that initializes the module calls it with the
        training rows; ``warm_start`` and later ``partial_fit`` calls keep
        the statistics.
    strategy : None, str, RebalancingStrategy or list, default="logit_adjustment"
        How to re-balance (the default: logit adjustment by the training
        prior, which targets the balanced error; on two classes plain
        cross-entropy training and ``softmax(z - log prior)`` at prediction,
        on more the adjusted loss, see
        :class:`~skrebalance.strategies.LogitAdjustmentStrategy`). Also:
        ``None``/``"none"``, a name from
        :func:`skrebalance.strategies.available`, a strategy instance, or a list
        combining one sampling strategy with one loss strategy. Its parameters
        can be set as ``strategy__<param>`` (also in ``GridSearchCV``); with a
        list, ``strategy__<name>__<param>`` targets one member. Setting
        ``strategy`` again drops the earlier ``strategy__*`` values: the new
        strategy comes with its own parameters.
    criterion : type, default=torch.nn.CrossEntropyLoss
        Loss used when no strategy provides one (with a loss strategy, it and
        ``criterion__*`` are refused; the default strategy provides one, so
        a loss of your own goes with ``strategy="none"``, or with
        ``strategy=LogitAdjustmentStrategy(mode="posthoc")`` to keep the
        prior adjustment).
    optimizer : type, default=torch.optim.AdamW
        Optimizer class; its parameters as ``optimizer__<param>`` (AdamW's
        own ``weight_decay=0.01`` applies by default).
    lr : float, default=2e-3
        Base learning rate (finite, > 0); the default ``"lr_schedule"``
        callback (:class:`~skrebalance.callbacks.WarmupCosineLR`) warms it
        up over the first 5 % of the optimizer steps, then decays it to 0
        along a cosine. ``callbacks__lr_schedule=None`` keeps it constant.
    max_epochs : int or "auto", default="auto"
        Number of passes (epochs) per ``fit`` (>= 1). ``"auto"``: about 1000
        optimizer steps, ``clip(ceil(1000 / ceil(n / batch)), 20, 300)``
        epochs for ``n`` training rows
        (:func:`~skrebalance._budget.auto_max_epochs`).
    batch_size : int or "auto", default="auto"
        Training batch size; ``-1`` trains on the whole set at once.
        ``"auto"``: ``min(n, clip(2 ** round(log2(n / 16)), 32, 256))``
        (:func:`~skrebalance._budget.auto_batch_size`).
    train_split : None, float or callable, default=None
        Validation split: a float is the validation fraction; skorch's
        ``ValidSplit`` works too. Both are stratified and seeded by
        ``random_state``. ``None`` trains on all rows, which suits
        cross-validation.
    callbacks : list or None, default=None
        Extra skorch callbacks.
    warm_start : bool, default=False
        Whether ``fit`` continues from the current weights and strategy state.
        Changed strategy settings apply at that next fit, with a fresh
        strategy state.
    verbose : int, default=0
        skorch's per-epoch log when ``> 0``.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the validation split, shuffling and
        sampling of each fit; with an int two fits give identical predictions
        (on the CPU).
    class_weight : dict, "balanced" or None, default=None
        Per-class loss weights as in scikit-learn's ``LogisticRegression``
        (``"balanced"``: ``n / (n_classes * n_c)``); they multiply any
        ``sample_weight`` and compose with every strategy.
    n_threads : int or None, default=1
        torch's intra-op threads during ``fit`` (restored afterwards; the
        setting is process-wide). One thread suits small tabular nets, whose
        operations are too small to share, and avoids idle-spinning threads
        on busy machines; ``None`` keeps torch's setting.
    cuda_graph : {"auto", True, False}, default="auto"
        Whether a CUDA fit replays its whole training step (gather, forward,
        loss, backward, optimizer step) as one captured CUDA graph, several
        times cheaper than launching each small kernel. ``"auto"`` captures
        where it can (a CUDA device, Adam/AdamW, no callback acting on the
        gradients, no fit parameters for ``forward``) and else trains
        eagerly, with the same results; ``True`` raises a ``ValueError``
        naming what prevents capture; ``False`` always trains eagerly.
        Capture records the module's ``forward`` once: a module whose Python
        control flow differs from step to step needs ``False``.
    **kwargs
        Any other skorch parameter (``module__*``, ``optimizer__*``,
        ``strategy__*``, ``iterator_train__batch_size`` ...). Parameters the
        device-resident data path cannot honour raise a ``ValueError`` naming
        them.

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
    fit_interrupted_ : bool
        Whether the last ``fit``/``partial_fit`` was cut short by a
        ``KeyboardInterrupt`` (Ctrl-C), which skorch swallows: the net is then
        only partly trained.
    device_ : torch.device
        The device actually used.
    cuda_graph_ : bool
        Whether the last ``fit``/``partial_fit`` trained with a captured
        CUDA-graph step.
    strategy_ : RebalancingStrategy or list of RebalancingStrategy
        The fitted strategy (a list when ``strategy`` was a list); its state
        (weights, difficulties) are attributes ending in ``_``.
    module_, criterion_, optimizer_, history_
        As in skorch; ``criterion_`` is the loss strategy's ``criterion_``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> RebalancedNetClassifier(random_state=0).fit(X, y).score(X, y) > 0.95
    True
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
        strategy="logit_adjustment",
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=2e-3,
        max_epochs="auto",
        batch_size="auto",
        train_split=None,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        random_state=None,
        class_weight=None,
        n_threads=1,
        cuda_graph="auto",
        **kwargs,
    ):
        super().__init__(
            module, criterion=criterion, optimizer=optimizer, lr=lr, max_epochs=max_epochs,
            batch_size=batch_size, train_split=train_split, callbacks=callbacks,
            warm_start=warm_start, verbose=verbose, device=device, **kwargs,
        )
        self.strategy = strategy
        self.random_state = random_state
        self.class_weight = class_weight
        self.n_threads = n_threads
        self.cuda_graph = cuda_graph

    # ------------------------------------------------------------------
    # scikit-learn facing API

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Validate the data, (re)initialize unless warm-starting, and train.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (float64, int and DataFrames are cast to float32).
        y : array-like of shape (n_samples,)
            Class labels of any hashable type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row weights; they multiply the loss of every row
            (times ``class_weight``), with every strategy.
        **fit_params : dict
            Passed to the module's ``forward`` (it must accept them).

        Returns
        -------
        self : RebalancedNetClassifier
        """
        refit = not (self.warm_start and self.initialized_)
        return self._fit(X, y, sample_weight, fit_params, reset=refit, method="fit")

    def partial_fit(self, X, y, classes=None, sample_weight=None, **fit_params):
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
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row loss weights.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        self : RebalancedNetClassifier
        """
        reset = not self.initialized_
        return self._fit(X, y, sample_weight, fit_params, reset=reset, classes=classes,
                         method="partial_fit")

    def _fit(self, X, y, sample_weight, fit_params, reset, method, classes=None):
        check_parameters(self)
        X, y_encoded, y_raw = validate_training_data(self, X, y, reset=reset, classes=classes)
        weights = row_weights(self, X, y_raw, y_encoded, sample_weight)
        seed = self._draw_seed()
        with torch_threads(self.n_threads):
            if reset:
                with seeded_global_rng(seed, resolve_device(self.device), hold_lock=True):
                    self.initialize()
            else:
                self._refresh_strategies()
            self._check_training_params()
            check_fit_params(self.module_, fit_params)
            # Shuffles and draws of this fit (and of its strategies) use their
            # own generator, so fits in threads stay reproducible; torch's
            # global RNG is seeded too, for dropout, which draws from it: a
            # module with dropout trains holding the global RNG lock (seeded
            # fits in threads then run one at a time, reproducibly).
            self.train_generator_ = None
            if seed is not None:
                self.train_generator_ = torch.Generator(device=self.device_)
                self.train_generator_.manual_seed(seed)
            try:
                hold = _draws_from_global_rng(self.module_)
                with skorch_sees_device(self), seeded_global_rng(seed, self.device_, hold):
                    self._train(X, y_encoded, weights, seed, fit_params, method, reset)
            finally:
                # the training data must not be kept (nor pickled) with the model
                for name in ("train_X_", "train_y_", "train_sample_weight_",
                             "train_generator_", "_fit_split_", "_fit_seed_"):
                    self.__dict__.pop(name, None)
        return self

    def _train(self, X, y, weights, seed, fit_params, method, reset):
        device = self.device_
        dataset = DeviceDataset(
            torch.as_tensor(X, device=device), torch.as_tensor(y, device=device),
            None if weights is None else torch.as_tensor(weights, device=device),
        )
        split_params = fit_params
        if _routing_enabled():
            routed = process_routing(self, method, **fit_params)
            split_params = routed.get("splitter", {"split": {}})["split"]
        # split once, before on_train_begin: strategies read the training rows
        # there; skorch's fit_loop then gets the same pair from get_split_datasets
        self._fit_seed_ = seed
        split = self.get_split_datasets(dataset, y, **split_params)
        self._fit_split_ = (dataset, split)
        train = split[0]
        self.train_X_, self.train_y_ = train.X, train.y
        self.train_sample_weight_ = train.sample_weight
        if reset and hasattr(self.module_, "fit_input_statistics"):
            self.module_.fit_input_statistics(train.X)
        self._captured_step_ = plan_captured_step(self, train, fit_params)
        self.cuda_graph_ = self._captured_step_ is not None
        try:
            # skorch's partial_fit: on_train_begin, fit_loop, on_train_end
            NeuralNet.partial_fit(self, dataset, y, _routing_method=method, **fit_params)
        finally:
            captured = self.__dict__.pop("_captured_step_", None)
            if captured is not None:
                captured.close()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.classifier_tags.poor_score = True  # few epochs in the common checks
        tags.non_deterministic = self.random_state is None
        return tags

    def __sklearn_is_fitted__(self):
        return getattr(self, "initialized_", False) and hasattr(self, "label_encoder_")

    @property
    def classes_(self):
        if not hasattr(self, "label_encoder_"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_': call fit first."
            )
        return self.label_encoder_.classes_

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's fit loop; ``max_epochs="auto"`` is resolved from the training rows."""
        if epochs is None and self.max_epochs == "auto":
            epochs = fit_budget(self, X)[1]
        # skorch's partial_fit swallows KeyboardInterrupt and returns a
        # half-trained net: record it so callers can tell the two apart
        self.fit_interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.fit_interrupted_ = True
            raise

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("lr_schedule", WarmupCosineLR()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_acc", EpochScoring("accuracy", name="valid_acc", lower_is_better=False,
                                       use_caching=True)),
            ("print_log", PrintLog()),
        ]

    def _draw_seed(self):
        if self.random_state is None:
            return None
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def __repr__(self):
        # skorch shows only the module; the strategy is what tells nets apart
        first, _, rest = super().__repr__().partition("\n")
        return f"{first}\n  strategy={self.strategy!r},\n{rest}"


def _draws_from_global_rng(module):
    return any(isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0 for m in module.modules())
