"""The ``"balanced_softmax"`` strategy (Ren et al., NeurIPS 2020)."""

from ..functional import class_log_prior
from ..losses import LogitAdjustedLoss
from ._base import RebalancingStrategy
from ._logit_adjustment import training_class_counts
from ._registry import register


@register("balanced_softmax")
class BalancedSoftmaxStrategy(RebalancingStrategy):
    r"""Balanced softmax (Ren et al., 2020): train on count-shifted logits.

    Ren et al. model the training label distribution as the balanced one
    shifted by the class counts :math:`n_c`: the training-time probability of
    class :math:`c` is :math:`n_c e^{z_c} / \sum_k n_k e^{z_k}`. Its negative
    log-likelihood is the cross-entropy of the shifted logits,

    .. math::

        \ell_i = -\log \mathrm{softmax}(z_i + \log n)_{y_i},

    and the plain :math:`\mathrm{softmax}(z)` estimates the balanced
    distribution, used at prediction. Since the cross-entropy ignores a
    constant added to every logit, this is the loss mode of
    :class:`LogitAdjustmentStrategy` at ``tau=1``
    (:func:`~skrebalance.functional.logit_adjusted_loss` with
    :math:`\log \pi = \log n - \log \sum_k n_k`). The counts are those of each
    fit's training rows, weighted by ``sample_weight`` / ``class_weight``
    when given (:func:`~skrebalance.functional.class_counts`).

    Attributes
    ----------
    class_counts_ : torch.Tensor of shape (n_classes,)
        (Weighted) training class counts of the last fit, on the net's device.
    criterion_ : LogitAdjustedLoss
        The training loss (the net's ``criterion_``); its ``log_prior``
        buffer holds :math:`\log (n / \sum_k n_k)`.

    See Also
    --------
    LogitAdjustmentStrategy : the same loss with a strength ``tau``, or the
        adjustment at prediction time instead.

    Notes
    -----
    The paper's meta-sampler (the "Meta" of Balanced Meta-Softmax) is not
    part of this strategy.

    References
    ----------
    .. [1] J. Ren, C. Yu, S. Sheng, X. Ma, H. Zhao, S. Yi, H. Li, "Balanced
       Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(200, weights=[0.9, 0.1], random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="balanced_softmax", max_epochs=2,
    ...                               random_state=0).fit(X, y)
    >>> clf.strategy_.class_counts_.tolist()
    [179.0, 21.0]
    """

    def __init__(self):
        # no parameters: the shift is log n, fixed by the paper
        pass

    def _reset_state(self):
        self.class_counts_ = None
        self.criterion_ = None

    @property
    def provides_loss(self):
        return True

    def get_criterion(self, net):
        self.criterion_ = LogitAdjustedLoss(tau=1.0)
        return self.criterion_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.class_counts_ = training_class_counts(net)
        self.criterion_.set_log_prior(class_log_prior(self.class_counts_))
