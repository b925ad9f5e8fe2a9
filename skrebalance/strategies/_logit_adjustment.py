"""The ``"logit_adjustment"`` strategy (Menon et al., ICLR 2021)."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..functional import class_counts, class_log_prior, posthoc_adjusted_logits
from ..losses import LogitAdjustedLoss
from ._base import RebalancingStrategy
from ._registry import register


def training_class_counts(net):
    """Class counts of the net's training rows, weighted by its sample weights.

    ``net.train_sample_weight_`` (``sample_weight`` times ``class_weight[y]``)
    weights the counts when the fit has one; see
    :func:`skrebalance.functional.class_counts`.
    """
    return class_counts(net.train_y_, net.n_classes_, net.train_sample_weight_)


@register("logit_adjustment")
class LogitAdjustmentStrategy(RebalancingStrategy):
    r"""Logit adjustment (Menon et al., 2021): correct the logits by the class prior.

    A net trained with cross-entropy on imbalanced data learns the training
    class prior :math:`\pi` into its logits: its decisions favour the head
    classes. For the *balanced* error (mean recall) the Bayes-optimal rule is
    :math:`\arg\max_c\, p(y = c \mid x) / \pi_c`, which the two modes reach
    in two ways (and ``mode="auto"`` picks one by the number of classes):

    - ``mode="posthoc"``: train with plain cross-entropy and predict with

      .. math::

          \hat p(y \mid x) = \mathrm{softmax}(z - \tau \log \pi);

    - ``mode="loss"``: train with the logit-adjusted loss

      .. math::

          \ell_i = -\log \mathrm{softmax}(z_i + \tau \log \pi)_{y_i}

      and predict with the plain :math:`\mathrm{softmax}(z)`;

    - ``mode="auto"`` (the default): post-hoc for two classes, the loss for
      more. Measured on the development suites with the package's default
      recipe (``docs/user_guide/defaults.rst``): on the binary KEEL sets the
      two modes are within noise (mean balanced accuracy 0.822 post-hoc,
      0.819 loss), on the natively imbalanced multi-class sets the loss
      is far ahead (0.840 against 0.798; a post-hoc shift of classes with a
      handful of rows, such as ``nursery``'s two-row class, costs the large
      classes much recall) and on the long-tailed sets it is level or
      ahead (accuracy 0.670 both, few-shot 0.455 against 0.443).

    :math:`\pi_c = n_c / \sum_k n_k` comes from the training rows of each fit
    (after the validation split). With ``sample_weight`` or ``class_weight``
    the counts are the weighted ones (:func:`~skrebalance.functional.class_counts`):
    the prior the weighted loss teaches the net, so weights that already
    balance the classes leave nothing to adjust. The formulas are
    :func:`~skrebalance.functional.posthoc_adjusted_logits` and
    :func:`~skrebalance.functional.logit_adjusted_loss`.

    Parameters
    ----------
    tau : float, default=1.0
        Strength :math:`\tau \ge 0` of the adjustment; 1 is the Bayes-optimal
        correction for the balanced error, 0 changes nothing.
    mode : {"auto", "posthoc", "loss"}, default="auto"
        Adjust the logits at prediction (any loss strategy may then train
        the net, e.g.
        ``strategy=["focal", LogitAdjustmentStrategy(mode="posthoc")]``), train with
        the adjusted loss, or choose by the number of classes (see above;
        next to another loss strategy of a list, ``"auto"`` adjusts post-hoc,
        so ``strategy=["focal", "logit_adjustment"]`` works as well).

    Attributes
    ----------
    class_counts_ : torch.Tensor of shape (n_classes,)
        (Weighted) training class counts of the last fit, on the net's device.
    log_prior_ : torch.Tensor of shape (n_classes,)
        :math:`\log \pi`, on the net's device.
    mode_ : {"posthoc", "loss"}
        The mode of the last fit (``mode``, or what ``"auto"`` chose).
    criterion_ : LogitAdjustedLoss or None
        The training loss with ``mode="loss"`` or ``"auto"`` (the net's
        ``criterion_``; with ``"auto"`` on two classes its prior is zero,
        plain cross-entropy); ``None`` in post-hoc mode.

    See Also
    --------
    BalancedSoftmaxStrategy : the loss mode at ``tau=1``.

    References
    ----------
    .. [1] A. K. Menon, S. Jayasumana, A. S. Rawat, H. Jain, A. Veit,
       S. Kumar, "Long-tail learning via logit adjustment", ICLR 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(200, weights=[0.9, 0.1], random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="logit_adjustment", max_epochs=2,
    ...                               random_state=0).fit(X, y)
    >>> clf.strategy_.class_counts_.tolist()
    [179.0, 21.0]
    >>> clf.strategy_.mode_  # "auto" on two classes
    'posthoc'
    >>> proba = clf.predict_proba(X)  # softmax(z - log prior)
    """

    _parameter_constraints = {
        "tau": [Interval(Real, 0, None, closed="left")],
        "mode": [StrOptions({"auto", "posthoc", "loss"})],
    }

    _loss_deferred = False  # set by defer_loss() (a class default: not a parameter)

    def __init__(self, tau=1.0, mode="auto"):
        self.tau = tau
        self.mode = mode

    def _reset_state(self):
        self.class_counts_ = None
        self.log_prior_ = None
        self.mode_ = None
        self.criterion_ = None

    @property
    def provides_loss(self):
        return self.mode == "loss" or (self.mode == "auto" and not self._loss_deferred)

    def defer_loss(self):
        # with another loss strategy in the list, "auto" adjusts post-hoc
        if self.mode != "auto":
            return False
        self._loss_deferred = True
        return True

    def get_criterion(self, net):
        self.criterion_ = LogitAdjustedLoss(tau=self.tau)
        return self.criterion_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.class_counts_ = training_class_counts(net)
        self.log_prior_ = class_log_prior(self.class_counts_)
        self.mode_ = self.mode
        if self.mode == "auto":
            loss = net.n_classes_ > 2 and not self._loss_deferred
            self.mode_ = "loss" if loss else "posthoc"
        if self.provides_loss:  # "auto" in post-hoc mode trains with plain CE
            trained = self.log_prior_ if self.mode_ == "loss" else torch.zeros_like(self.log_prior_)
            self.criterion_.set_log_prior(trained)

    def adjust_logits(self, net, logits):
        if self.mode_ == "loss":
            return logits
        return posthoc_adjusted_logits(logits, self.log_prior_.to(logits), self.tau)
