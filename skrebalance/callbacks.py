"""skorch callbacks of the default training recipe, and a progress bar that counts its batches."""

import math
from numbers import Real

from skorch.callbacks import Callback, LRScheduler
from skorch.callbacks import ProgressBar as SkorchProgressBar
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from ._budget import fit_budget

__all__ = ["ProgressBar", "WarmupCosineLR", "warmup_cosine_factor"]


def warmup_cosine_factor(step, total_steps, warmup_fraction=0.05):
    r"""Learning-rate factor of optimizer step ``step`` (0-based) of ``total_steps``.

    With :math:`w = \lfloor f\,T \rfloor` warm-up steps (:math:`f` =
    ``warmup_fraction``, :math:`T` = ``total_steps``):

    .. math::

        \lambda(t) = \begin{cases}
            (t + 1) / w & t < w \\
            \tfrac12\bigl(1 + \cos(\pi\,(t - w) / \max(1, T - w))\bigr) & t \ge w
        \end{cases}

    a linear warm-up to 1 followed by a cosine decay towards 0 (Loshchilov &
    Hutter, 2017, without restarts; Goyal et al., 2017, for the warm-up).
    The formula is meant for ``0 <= step < total_steps``; past the end the
    cosine would rise again (:class:`WarmupCosineLR` stays at its last step).

    Parameters
    ----------
    step : int
        Index of the optimizer step, from 0.
    total_steps : int
        Number of optimizer steps of the schedule (>= 1).
    warmup_fraction : float, default=0.05
        Share of the steps spent warming up, in [0, 1).

    Returns
    -------
    float

    References
    ----------
    .. [1] I. Loshchilov, F. Hutter, "SGDR: Stochastic Gradient Descent with
       Warm Restarts", ICLR 2017.
    .. [2] P. Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet
       in 1 Hour", arXiv:1706.02677, 2017.

    Examples
    --------
    >>> [round(warmup_cosine_factor(t, 100), 4) for t in (0, 4, 5, 52, 99)]
    [0.2, 1.0, 1.0, 0.5083, 0.0003]
    """
    warmup = int(warmup_fraction * total_steps)
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


class WarmupCosineLR(Callback):
    """Per-batch learning rate: linear warm-up, then cosine decay to 0 over each fit.

    The schedule spans the optimizer steps of one call of ``fit`` /
    ``partial_fit``: ``max_epochs`` times the batches per epoch, both as the
    fit resolves them (``"auto"`` included, see
    :func:`~skrebalance._budget.resolve_budget`). Every step ``t`` sets each
    parameter group's learning rate to its base rate times
    :func:`warmup_cosine_factor` ``(t, T, warmup_fraction)``; the base rates
    are those of the optimizer when training begins (``lr``,
    ``optimizer__param_groups``) and are put back when training ends, so
    ``warm_start`` / ``partial_fit`` run the whole schedule again from the
    same base (a warm restart). The rate of each batch is recorded in the
    history as ``"lr"``.

    It is one of :class:`~skrebalance.RebalancedNetClassifier`'s default
    callbacks, named ``"lr_schedule"``: ``callbacks__lr_schedule=None``
    trains at the constant ``lr``; ``callbacks__lr_schedule=<callback>``
    replaces it (e.g. skorch's ``LRScheduler``). While the net has another
    learning-rate callback (a skorch ``LRScheduler`` among its callbacks),
    this one stays inactive, so the user's schedule is the one that applies.

    Parameters
    ----------
    warmup_fraction : float, default=0.05
        Share of the steps spent in the linear warm-up, in [0, 1).

    Attributes
    ----------
    total_steps_ : int
        Optimizer steps of the current (or last) fit's schedule.
    step_ : int
        Optimizer steps taken so far in that fit.
    base_lrs_ : list of float
        The parameter groups' learning rates the factors multiply.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(100, random_state=0)
    >>> clf = RebalancedNetClassifier(max_epochs=2, batch_size=50, random_state=0).fit(X, y)
    >>> schedule = dict(clf.callbacks_)["lr_schedule"]
    >>> schedule.total_steps_, clf.history[-1, "batches", -1, "lr"] < clf.lr
    (4, True)
    """

    _parameter_constraints = {"warmup_fraction": [Interval(Real, 0, 1, closed="left")]}

    def __init__(self, warmup_fraction=0.05):
        self.warmup_fraction = warmup_fraction

    def initialize(self):
        validate_parameter_constraints(
            self._parameter_constraints, {"warmup_fraction": self.warmup_fraction},
            type(self).__name__,
        )
        self.total_steps_ = None
        self.step_ = 0
        self.base_lrs_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        n_rows = _training_rows(net, X)
        batch_size, max_epochs = fit_budget(net, X)
        batch_size = n_rows if batch_size == -1 else min(batch_size, n_rows)
        drop_last = net.get_params_for("iterator_train").get("drop_last", False)
        per_epoch = n_rows // batch_size if drop_last else math.ceil(n_rows / batch_size)
        self.total_steps_ = max(1, max_epochs * per_epoch)
        self.step_ = 0
        self.base_lrs_ = None
        others = [cb for _, cb in net.callbacks_ if isinstance(cb, LRScheduler)]
        if not others:
            self.base_lrs_ = [group["lr"] for group in net.optimizer_.param_groups]

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training or self.base_lrs_ is None:
            return
        factor = warmup_cosine_factor(min(self.step_, self.total_steps_ - 1),
                                      self.total_steps_, self.warmup_fraction)
        for group, base in zip(net.optimizer_.param_groups, self.base_lrs_):
            group["lr"] = base * factor
        net.history.record_batch("lr", self.base_lrs_[0] * factor)
        self.step_ += 1

    def on_train_end(self, net, X=None, y=None, **kwargs):
        if self.base_lrs_ is not None:
            for group, base in zip(net.optimizer_.param_groups, self.base_lrs_):
                group["lr"] = base


def _training_rows(net, X):
    train_y = getattr(net, "train_y_", None)
    if train_y is not None:
        return len(train_y)
    return len(X)


class ProgressBar(SkorchProgressBar):
    """skorch's ``ProgressBar`` whose total is the number of batches the net draws.

    skorch computes the total as ``ceil(len(dataset) / batch_size)``, which
    fails on ``batch_size="auto"`` and overcounts when a strategy's sampler
    holds rows out of training (CDB's difficulty set). With
    ``batches_per_epoch="auto"`` this bar asks the net for the length of the
    iterator it builds for each data set instead. All parameters are
    skorch's. :class:`~skrebalance.RebalancedNetClassifier` counts a stock
    skorch ``ProgressBar`` among its callbacks the same way.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(300, random_state=0)
    >>> bar = ProgressBar()
    >>> clf = RebalancedNetClassifier(callbacks=[bar], max_epochs=2, random_state=0).fit(X, y)
    >>> bar.pbar_.total == clf.history[-1, "train_batch_count"]  # batch_size="auto"
    True
    """

    def _get_batches_per_epoch_phase(self, net, dataset, training):
        if dataset is None:
            return 0
        return len(net.get_iterator(dataset, training=training))
