"""The ``"ldam_drw"`` strategy (Cao et al., NeurIPS 2019)."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from .._budget import fit_budget
from ..functional import effective_number_weights, ldam_margins
from ..losses import LDAMLoss
from ._base import RebalancingStrategy
from ._logit_adjustment import training_class_counts
from ._registry import register

#: share of ``max_epochs`` trained before the re-weighting (the paper's 160 of 200)
DRW_SHARE = 0.8


@register("ldam_drw")
class LDAMDRWStrategy(RebalancingStrategy):
    r"""LDAM loss with deferred re-weighting (Cao et al., 2019).

    **LDAM.** The true-class logit must beat the others by a class margin
    that grows as the class gets rarer, on logits scaled by :math:`s`:

    .. math::

        \ell_i = - w_{y_i} \log \mathrm{softmax}\big(s\,(z_i - \Delta_{y_i} e_{y_i})\big)_{y_i},
        \qquad
        \Delta_c = \Delta_{\max} \Big(\frac{\min_k n_k}{n_c}\Big)^{1/4}

    (:func:`~skrebalance.functional.ldam_loss`,
    :func:`~skrebalance.functional.ldam_margins`; :math:`e_y` is the one-hot
    vector of class :math:`y`).

    **DRW.** The class weights are :math:`w_c = 1` for the first
    ``drw_epoch`` epochs; from then on they are the class-balanced weights

    .. math::

        w_c \propto \frac{1 - \beta}{1 - \beta^{n_c}}, \qquad \sum_c w_c = C

    (:func:`~skrebalance.functional.effective_number_weights`): the net first
    learns features from the natural distribution, then re-balances.

    Prediction uses :math:`\mathrm{softmax}(s\, z)`, the scale the loss trains
    (no margins), so ``predict_proba`` is as confident as training made it.
    :math:`n_c` are each fit's training class counts, weighted by
    ``sample_weight`` / ``class_weight`` when given
    (:func:`~skrebalance.functional.class_counts`).

    Parameters
    ----------
    max_margin : float, default=0.5
        :math:`\Delta_{\max} \ge 0`, the margin of the rarest class (the
        paper's value); 0 gives the scaled cross-entropy.
    s : float, default=30.0
        Scale :math:`s > 0` of the logits. The paper's 30 is meant for
        cosine logits in :math:`[-1, 1]` (``module__head="cosine"``); see the
        user guide for the value measured on tabular data with the default
        linear head.
    drw_epoch : int or None, default=None
        Number of epochs before the re-weighting starts (counted over the
        net's history, so ``warm_start`` and ``partial_fit`` continue the
        schedule); ``None`` is 80 % of ``max_epochs``, the paper's 160 of 200.
        A value ``>= max_epochs`` gives LDAM alone.
    beta : float, default=0.9999
        :math:`\beta \in [0, 1]` of the class-balanced weights (the paper's
        value); 0 gives equal weights, 1 inverse class frequency.

    Attributes
    ----------
    class_counts_ : torch.Tensor of shape (n_classes,)
        (Weighted) training class counts of the last fit, on the net's device.
    drw_epoch_ : int
        The epoch count from which the class weights apply.
    drw_weight_ : torch.Tensor of shape (n_classes,)
        The deferred class weights (sum ``n_classes``), on the net's device.
    criterion_ : LDAMLoss
        The training loss (the net's ``criterion_``); its ``margins`` buffer
        holds :math:`\Delta`, its ``class_weight`` buffer ``None`` before the
        DRW epoch and a copy of ``drw_weight_`` from it on.

    See Also
    --------
    ClassBalancedLoss : the class-balanced weights from the first epoch.

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga, T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(200, weights=[0.9, 0.1], random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="ldam_drw", max_epochs=5,
    ...                               random_state=0).fit(X, y)
    >>> clf.strategy_.drw_epoch_
    4
    >>> clf.history[:, "drw"]
    [False, False, False, False, True]
    """

    _parameter_constraints = {
        "max_margin": [Interval(Real, 0, None, closed="left")],
        "s": [Interval(Real, 0, None, closed="neither")],
        "drw_epoch": [Interval(Integral, 0, None, closed="left"), None],
        "beta": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, max_margin=0.5, s=30.0, drw_epoch=None, beta=0.9999):
        self.max_margin = max_margin
        self.s = s
        self.drw_epoch = drw_epoch
        self.beta = beta

    def _reset_state(self):
        self.class_counts_ = None
        self.drw_epoch_ = None
        self.drw_weight_ = None
        self.criterion_ = None

    @property
    def provides_loss(self):
        return True

    def get_criterion(self, net):
        self.criterion_ = LDAMLoss(s=self.s)
        return self.criterion_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        counts = training_class_counts(net)
        self.class_counts_ = counts
        self.criterion_.set_margins(ldam_margins(counts, self.max_margin))
        self.drw_weight_ = effective_number_weights(counts, self.beta).to(net.device_)
        # the epochs of this fit, with max_epochs="auto" resolved from the data
        max_epochs = fit_budget(net, X)[1]
        self.drw_epoch_ = (
            int(DRW_SHARE * max_epochs) if self.drw_epoch is None else int(self.drw_epoch)
        )

    def on_epoch_begin(self, net, **kwargs):
        # skorch has opened this epoch's history row: len - 1 epochs are done
        reweight = len(net.history) - 1 >= self.drw_epoch_
        self.criterion_.set_class_weight(self.drw_weight_ if reweight else None)

    def on_epoch_end(self, net, **kwargs):
        net.history.record("drw", self.criterion_.class_weight is not None)

    def adjust_logits(self, net, logits):
        return self.s * logits
