"""The interface between :class:`~skrebalance.RebalancedNetClassifier` and a strategy."""

from sklearn.utils._param_validation import validate_parameter_constraints
from skorch.callbacks import Callback


class RebalancingStrategy(Callback):
    """Base class of re-balancing strategies: a skorch callback with two plugs.

    A strategy re-balances training through a loss (it returns a criterion
    module from :meth:`get_criterion`), through sampling (it returns per-row
    sampling weights from :meth:`sampling_weights`), or both. The classifier
    knows strategies only through this interface and skorch's callback hooks.

    Conventions for subclasses:

    - ``__init__`` only stores its arguments (so ``get_params``/``set_params``,
      ``clone`` and ``GridSearchCV`` over ``strategy__<param>`` work);
    - parameters are checked in :meth:`initialize` against
      ``_parameter_constraints`` (scikit-learn's ``Interval``/``StrOptions``);
    - state lives in attributes ending in ``_`` and is torch tensors on
      ``net.device_``, built in ``on_train_begin`` from ``net.train_X_`` and
      ``net.train_y_`` (the training rows and their encoded labels, on the
      device, valid from ``on_train_begin`` to ``on_train_end``);
    - random draws use ``net.train_generator_`` (a seeded ``torch.Generator``
      on the device when the net has a ``random_state``, else ``None``), so
      fits in threads stay reproducible.

    Examples
    --------
    A sampling strategy that draws the rows of every class equally often:

    >>> import torch
    >>> from skrebalance import RebalancedNetClassifier
    >>> from skrebalance.strategies import RebalancingStrategy
    >>> class EqualClassSampling(RebalancingStrategy):
    ...     @property
    ...     def provides_sampling(self):
    ...         return True
    ...     def sampling_weights(self, net):
    ...         counts = torch.bincount(net.train_y_, minlength=net.n_classes_)
    ...         return 1.0 / counts[net.train_y_].float()
    >>> X = torch.randn(40, 3).numpy()
    >>> y = [0] * 35 + [1] * 5
    >>> clf = RebalancedNetClassifier(strategy=EqualClassSampling(), max_epochs=2)
    >>> clf.fit(X, y).predict(X).shape
    (40,)
    """

    #: scikit-learn style constraints of the ``__init__`` parameters.
    _parameter_constraints: dict = {}

    def initialize(self):
        """Check the parameters and reset the state; return ``self``."""
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        self._check_params()
        self._reset_state()
        return self

    def _check_params(self):
        """Check relations between parameters beyond ``_parameter_constraints``."""

    def _reset_state(self):
        """Drop the fitted state; called by :meth:`initialize`."""

    @property
    def provides_loss(self):
        """bool : whether :meth:`get_criterion` gives the training loss."""
        return False

    @property
    def provides_sampling(self):
        """bool : whether :meth:`sampling_weights` drives the training batches."""
        return False

    def get_criterion(self, net):
        """Return the loss module used for training (loss strategies only).

        Called when the net initializes its criterion, before any data is seen:
        class-dependent buffers are filled later, in ``on_train_begin``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not provide a loss.")

    def sampling_weights(self, net):
        """Return per-row sampling weights for the next epoch, or ``None``.

        Called once per epoch, before its first batch. The tensor has one
        non-negative entry per row of ``net.train_X_`` and lives on
        ``net.device_``; the epoch then draws as many rows as it trains on, with
        replacement, proportionally to it. ``None`` means a plain shuffle.
        """
        return None

    def training_rows(self, net):
        """Return the rows of ``net.train_X_`` to train on, or ``None`` for all.

        Lets a strategy hold rows out of training (e.g. CDB's class-balanced
        difficulty set). Called once per epoch; an int64 tensor on
        ``net.device_``. Sampling weights are restricted to these rows.
        """
        return None


class NoStrategy(RebalancingStrategy):
    """Plain training: shuffled batches and unweighted cross-entropy.

    Examples
    --------
    >>> from skrebalance.strategies import NoStrategy
    >>> NoStrategy().provides_loss
    False
    """
