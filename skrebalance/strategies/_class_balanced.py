"""The ``"class_balanced"`` strategy (Cui et al., CVPR 2019)."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..functional import effective_number_weights
from ..functional._class_weights import auto_beta
from ..losses import ClassWeightedFocalLoss
from ._base import RebalancingStrategy
from ._registry import register

#: parameters shared by the class-weighted loss strategies (class-balanced, CDB-W)
BASE_LOSS_CONSTRAINTS = {
    "base_loss": [StrOptions({"ce", "focal"})],
    "gamma": [Interval(Real, 0, None, closed="left")],
}


def class_weighted_criterion(base_loss, gamma):
    """The loss of a class-weighted strategy: weighted CE, or focal loss.

    Its buffer ``class_weight`` starts empty (``None``) and is filled by the
    strategy once the classes are known.
    """
    return ClassWeightedFocalLoss(gamma=gamma if base_loss == "focal" else 0.0)


@register("class_balanced")
class ClassBalancedLossStrategy(RebalancingStrategy):
    r"""Class-balanced loss (Cui et al., 2019): weight by the effective number.

    Each class is weighted by the inverse of its *effective number of
    samples*, computed once from the training-set class counts :math:`n_c`
    at the start of fit, and the weights are rescaled to sum to the number of
    classes :math:`C`:

    .. math::

        w_c = \frac{1 - \beta}{1 - \beta^{n_c}}, \qquad
        \ell = \frac{1}{B} \sum_{i=1}^{B} \frac{C\, w_{y_i}}{\sum_k w_k}\,
        \ell_{\text{base}}(z_i, y_i),

    where :math:`\ell_{\text{base}}` is the softmax cross-entropy or focal loss
    and :math:`B` the batch size (the package's one reduction convention, see
    :func:`skrebalance.functional.reduce_loss`). ``beta=0`` gives the plain
    base loss; ``beta -> 1`` tends to inverse-frequency weights. The formula is
    :func:`skrebalance.functional.effective_number_weights`.

    Parameters
    ----------
    beta : float or "auto", default="auto"
        :math:`\beta \in [0, 1]`, or ``"auto"``: :math:`\beta = 1 - 1 /
        n_{\max}` from the largest training class count
        (:func:`~skrebalance.functional.effective_number_weights`). A fixed :math:`\beta`
        caps every effective number near :math:`1 / (1 - \beta)`, so its
        weights depend on the size of the data set; with ``"auto"`` they
        depend on the count ratios only (a class :math:`r` times smaller
        than the largest weighs about :math:`0.63\, r` times more), the
        paper's one-:math:`\beta`-per-data-set choice made from the counts.
    base_loss : {"ce", "focal"}, default="ce"
        Softmax cross-entropy, or the focal loss with ``gamma``.
    gamma : float, default=2.0
        Focusing parameter of the focal base loss (unused with ``"ce"``).

    Attributes
    ----------
    beta_ : float
        The :math:`\beta` used in the last fit (``beta`` itself, or the value
        ``"auto"`` chose).
    class_counts_ : torch.Tensor of shape (n_classes,)
        Training-set class counts of the last fit, on the net's device.
    class_weight_ : torch.Tensor of shape (n_classes,)
        The class weights in use (sum ``n_classes``), on the net's device.
    criterion_ : ClassWeightedFocalLoss
        The training loss (the net's ``criterion_``); its ``class_weight``
        buffer holds a copy of ``class_weight_``.

    See Also
    --------
    CDBStrategy : class weights from the model's per-class accuracy instead of counts.

    Notes
    -----
    The paper pairs the weights with sigmoid (one-vs-all) focal loss for
    image classification; here the base loss is the softmax one, as for every
    loss strategy of the package.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song, S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(200, weights=[0.9, 0.1], random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="class_balanced", strategy__beta=0.99,
    ...                               max_epochs=2, random_state=0).fit(X, y)
    >>> clf.strategy_.class_counts_.tolist()
    [179.0, 21.0]
    >>> [round(w, 3) for w in clf.strategy_.class_weight_.tolist()]
    [0.371, 1.629]
    >>> clf.set_params(strategy__beta="auto").fit(X, y).strategy_.beta_  # 1 - 1/179
    0.994413407821229
    """

    _parameter_constraints = {
        "beta": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        **BASE_LOSS_CONSTRAINTS,
    }

    def __init__(self, beta="auto", base_loss="ce", gamma=2.0):
        self.beta = beta
        self.base_loss = base_loss
        self.gamma = gamma

    def _reset_state(self):
        self.beta_ = None
        self.class_counts_ = None
        self.class_weight_ = None
        self.criterion_ = None

    @property
    def provides_loss(self):
        return True

    def get_criterion(self, net):
        self.criterion_ = class_weighted_criterion(self.base_loss, self.gamma)
        return self.criterion_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        # a deterministic function of the data: recomputing it on a warm start
        # gives the same weights for the same data
        counts = torch.bincount(net.train_y_, minlength=net.n_classes_).float()
        self.class_counts_ = counts
        self.beta_ = auto_beta(counts) if self.beta == "auto" else float(self.beta)
        self.class_weight_ = effective_number_weights(counts, self.beta_).to(net.device_)
        self.criterion_.set_class_weight(self.class_weight_)


#: the name before the ``...Strategy`` naming convention, kept as an alias
ClassBalancedLoss = ClassBalancedLossStrategy
