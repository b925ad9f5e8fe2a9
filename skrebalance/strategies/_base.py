"""The interface between :class:`~skrebalance.RebalancedNetClassifier` and a strategy."""

from sklearn.utils._param_validation import validate_parameter_constraints
from skorch.callbacks import Callback


class RebalancingStrategy(Callback):
    r"""Base class of re-balancing strategies: a skorch callback with three plugs.

    A strategy re-balances training through a loss (it builds and owns a
    criterion module, :meth:`get_criterion`), through sampling (per-row
    sampling weights, :meth:`sampling_weights`), at prediction time (the
    logits used to predict, :meth:`adjust_logits`), or several of these. The
    classifier knows strategies only through this interface and skorch's
    callback hooks; it never reads or writes a strategy's state, and a
    strategy never reads or writes ``net.criterion_``.

    Conventions for subclasses:

    - ``__init__`` only stores its arguments (so ``get_params``/``set_params``,
      ``clone`` and ``GridSearchCV`` over ``strategy__<param>`` work);
    - parameters are checked in :meth:`initialize` against
      ``_parameter_constraints`` (scikit-learn's ``Interval``/``StrOptions``);
    - state lives in attributes ending in ``_`` and is torch tensors on
      ``net.device_``;
    - a loss strategy keeps the module it returns from :meth:`get_criterion`
      as ``self.criterion_`` and updates that module's buffers in place from
      its hooks (e.g. with
      :meth:`~skrebalance.losses.ClassWeightedFocalLoss.set_class_weight`).
      The net trains with that same object (``net.criterion_``); the
      classifier keeps ``net.criterion_ is strategy.criterion_`` true after
      pickling, ``copy.deepcopy`` and ``load_params``;
    - the loss module's ``forward(logits, target, sample_weight=None)``
      multiplies the per-row losses by ``sample_weight`` (float tensor of
      shape (n,), or ``None``) and reduces ``"mean"`` as
      :math:`\frac{1}{n}\sum_i s_i w_i \ell_i` (n = batch size, see
      :func:`skrebalance.functional.reduce_loss`).

    Between ``on_train_begin`` and ``on_train_end`` a strategy may read from
    the net (all tensors on ``net.device_``):

    - ``net.train_X_``, ``net.train_y_``: the training rows after the
      validation split and their encoded labels (int64 in
      ``[0, n_classes_)``); sampling weights and row indices refer to them;
    - ``net.train_sample_weight_``: float tensor of shape (n,), the product
      of the ``sample_weight`` given to ``fit`` and ``class_weight[y]``, or
      ``None`` when neither is given. The classifier passes each batch's
      share to the loss; a strategy reads it only to weight statistics of
      its own;
    - ``net.train_generator_``: a seeded ``torch.Generator`` when the net
      has a ``random_state``, else ``None``; use it for every random draw so
      that fits in threads stay reproducible;
    - ``net.n_classes_``, ``net.device_``, and ``net.infer_proba(X)``: raw
      class probabilities of a device tensor (eval mode, no autograd, no
      :meth:`adjust_logits`).

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
        """Build the training loss module, keep it as ``self.criterion_``, return it.

        Loss strategies only. Called when the net initializes its criterion
        (at every fresh ``fit``), before any data is seen: class-dependent
        buffers are filled later, in ``on_train_begin``. ``net.device_`` is
        known; ``net.n_classes_`` too except before the first fit. The
        module's ``forward`` is ``forward(logits, target, sample_weight=None)``
        (see the class docstring).

        Parameters
        ----------
        net : RebalancedNetClassifier
            The net being initialized.

        Returns
        -------
        criterion : torch.nn.Module
            The loss module, also stored as ``self.criterion_``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not provide a loss.")

    def adjust_logits(self, net, logits):
        """Return the logits used for prediction (default: ``logits`` unchanged).

        The classifier applies every strategy's ``adjust_logits``, in order,
        before the softmax on every prediction path: ``predict_proba``,
        ``predict``, ``predict_log_proba``, ``decision_function``, and the
        scoring of data sets by skorch callbacks (``EpochScoring``). The
        training loss and :meth:`~skrebalance.RebalancedNetClassifier.infer_proba`
        (the strategies' own scoring of training rows) use the raw logits.
        Post-hoc logit adjustment (e.g. subtracting ``tau * log(prior)``)
        overrides this method from fitted state; it must not modify
        ``logits`` in place and must keep the result on its device.

        Parameters
        ----------
        net : RebalancedNetClassifier
            The fitted net.
        logits : torch.Tensor of shape (n, n_classes)
            Raw logits (or those of the strategies before this one), on
            ``net.device_``.

        Returns
        -------
        torch.Tensor of shape (n, n_classes)
        """
        return logits

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
