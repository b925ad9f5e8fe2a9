"""The interface between :class:`~skrebalance.RebalancedNetClassifier` and a strategy."""

import torch
from sklearn.utils._param_validation import validate_parameter_constraints
from skorch.callbacks import Callback

from ..samplers import DeviceWeightedSampler

#: types of state attributes that state_dict saves (besides tensors and samplers)
_PLAIN_TYPES = (type(None), bool, int, float, str)


class RebalancingStrategy(Callback):
    r"""Base class of re-balancing strategies: a skorch callback with three plugs.

    A strategy re-balances training through a loss (it builds and owns a
    criterion module, :meth:`get_criterion`), through sampling (it owns the
    device-resident sampler of the training rows, :meth:`get_sampler`), at
    prediction time (the logits used to predict, :meth:`adjust_logits`, or
    :meth:`adjust_logits_with_output` when it needs more of the module's
    output than the logits), or several of these. The
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
    - a sampling strategy keeps its
      :class:`~skrebalance.samplers.DeviceWeightedSampler` as
      ``self.sampler_`` (built in ``on_train_begin``, returned by
      :meth:`get_sampler`) and updates its weights in place
      (:meth:`~skrebalance.samplers.DeviceWeightedSampler.set_weights`); the
      training iterator, built once per fit, draws every epoch's rows from it;
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
    >>> from skrebalance.samplers import DeviceWeightedSampler
    >>> from skrebalance.strategies import RebalancingStrategy
    >>> class EqualClassSampling(RebalancingStrategy):
    ...     @property
    ...     def provides_sampling(self):
    ...         return True
    ...     def on_train_begin(self, net, **kwargs):
    ...         counts = torch.bincount(net.train_y_, minlength=net.n_classes_)
    ...         weights = 1.0 / counts[net.train_y_].float()
    ...         self.sampler_ = DeviceWeightedSampler(len(weights), weights=weights)
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
        """bool : whether the strategy re-weights the rows drawn for training.

        At most one strategy of a ``strategy=[...]`` list may; its
        :meth:`get_sampler` returns a weighted sampler.
        """
        return False

    @property
    def supports_cuda_graph(self):
        """bool : whether a training step with this strategy can be captured as a CUDA graph.

        A captured step (``RebalancedNetClassifier(cuda_graph=...)``) records
        the step's tensor operations once and replays them. It suits a
        strategy whose criterion reads its state from tensors updated in
        place (``copy_``, ``fill_``, the ``set_*`` methods of the package's
        losses) and whose per-batch hooks only run tensor operations on the
        device. A strategy that needs Python inside every step returns
        ``False``; the net then trains eagerly.
        """
        return True

    def capture_key(self):
        """Python-side state the captured training step depends on (hashable).

        The step is captured again when this value changes, for state that
        changes which operations the criterion runs (e.g. a flag switching
        between two histograms). Tensors need no key: a replaced buffer is
        detected by the net. Default: ``()``.

        Returns
        -------
        hashable
        """
        return ()

    def defer_loss(self):
        """Leave the training loss to another strategy of a list, if this one can.

        Called by :func:`~skrebalance.strategies.resolve_strategies` when a
        ``strategy=[...]`` list holds more than one loss strategy. A strategy
        whose loss is a choice rather than its purpose (logit adjustment's
        ``mode="auto"``, which can act post-hoc) stops providing it and
        returns ``True``; the default keeps the loss and returns ``False``.

        Returns
        -------
        bool
        """
        return False

    def module_params(self):
        """Parameters this strategy needs of the module, without the ``module__`` prefix.

        Keyword arguments of the module's constructor that the strategy
        relies on, e.g. ``{"head": "causal_norm"}`` for ``"tde"``, which
        predicts from the features of :class:`~skrebalance.MLP`'s
        causal-norm layer: give them as ``module__<name>``. The default,
        ``{}``, works with any module.

        Returns
        -------
        dict
        """
        return {}

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

        The classifier applies every strategy's ``adjust_logits`` (through
        :meth:`adjust_logits_with_output`), in order, before the softmax on
        every prediction path: ``predict_proba``, ``predict``,
        ``predict_log_proba``, ``decision_function``, and the scoring of data
        sets by skorch callbacks (``EpochScoring``). The
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

    def adjust_logits_with_output(self, net, logits, output):
        """Return the prediction logits, given the module's whole output too.

        The prediction hook the classifier calls, on the same paths and in the
        same order as described in :meth:`adjust_logits`, which it calls by
        default. A module may return more than the logits: a tuple
        ``(logits, extra, ...)``, e.g. ``MLP(head="causal_norm")`` returns
        ``(logits, features)`` with the output layer's input. A strategy that
        predicts from such extras (``"tde"`` removes a direction from the
        features) overrides this method instead of :meth:`adjust_logits`;
        it must not modify its inputs in place.

        Parameters
        ----------
        net : RebalancedNetClassifier
            The fitted net.
        logits : torch.Tensor of shape (n, n_classes)
            The logits so far (raw, or those of the strategies before this
            one), on ``net.device_``.
        output : torch.Tensor or tuple of torch.Tensor
            What the module returned for the same rows, in eval mode (its
            first element the raw logits; ``logits`` itself when the module
            returns only logits).

        Returns
        -------
        torch.Tensor of shape (n, n_classes)
        """
        return self.adjust_logits(net, logits)

    def get_sampler(self, net):
        """Return the sampler of training rows this strategy owns, or ``None``.

        Called once per fit, after ``on_train_begin``, when the net builds its
        training iterator (as a ``DataLoader`` takes a ``sampler``). The
        sampler's indices refer to the rows of ``net.train_X_``; it may hold
        rows out (``rows=``) or weight them (``weights=``), and the strategy
        updates it in place from its hooks. ``None`` (the default) lets the
        net shuffle all rows (or use ``iterator_train__sampler``). At most one
        strategy of a list may return a sampler.

        Parameters
        ----------
        net : RebalancedNetClassifier
            The net being trained.

        Returns
        -------
        sampler : DeviceWeightedSampler or None
        """
        return getattr(self, "sampler_", None)

    def state_dict(self):
        """Return the fitted state: attributes ending in ``_``, for ``save_params``.

        Tensors, samplers (as their ``state_dict``), ``None``, numbers and
        strings are kept; ``criterion_`` is left out (skorch saves it as
        ``f_criterion``). Override both methods for state of other types.

        Returns
        -------
        dict
        """
        state = {}
        for key, value in vars(self).items():
            if not key.endswith("_") or key.startswith("_") or key == "criterion_":
                continue
            if isinstance(value, DeviceWeightedSampler):
                state[key] = {"__sampler__": value.state_dict()}
            elif torch.is_tensor(value) or isinstance(value, _PLAIN_TYPES):
                state[key] = value
        return state

    def load_state_dict(self, state, device=None):
        """Restore :meth:`state_dict`'s output, tensors moved to ``device``.

        Returns
        -------
        self : RebalancingStrategy
        """
        for key, value in state.items():
            if isinstance(value, dict) and "__sampler__" in value:
                sampler_state = {
                    k: v.to(device) if torch.is_tensor(v) else v
                    for k, v in value["__sampler__"].items()
                }
                value = DeviceWeightedSampler(0).load_state_dict(sampler_state)
            elif torch.is_tensor(value):
                value = value.to(device)
            setattr(self, key, value)
        return self


class NoStrategy(RebalancingStrategy):
    """Plain training: shuffled batches and unweighted cross-entropy.

    Examples
    --------
    >>> from skrebalance.strategies import NoStrategy
    >>> NoStrategy().provides_loss
    False
    """
