"""The ``"focal"`` strategy."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..functional import effective_number_weights
from ..losses import ClassWeightedFocalLoss
from ._base import RebalancingStrategy
from ._registry import register


@register("focal")
class FocalLossStrategy(RebalancingStrategy):
    r"""Focal loss (Lin et al., 2017): down-weight examples the net already fits.

    .. math::

        \ell_i = -\alpha_{y_i} (1 - p_{i,y_i})^{\gamma} \log p_{i,y_i}

    Easy examples (``p_y`` close to 1) contribute little, so the gradient
    concentrates on hard ones, which in imbalanced data are more often from
    the minority classes. ``gamma=0`` and no ``alpha`` is cross-entropy.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter (``>= 0``); 2 is the paper's best value.
    alpha : array-like of shape (n_classes,), "balanced" or None, default=None
        Per-class weights, in the order of ``classes_``. ``"balanced"`` uses
        ``n / (C * n_c)`` from the training counts (scikit-learn's
        ``class_weight="balanced"``), rescaled to sum to ``C``.

    Attributes
    ----------
    alpha_ : torch.Tensor of shape (n_classes,) or None
        The class weights in use, on the net's device.
    criterion_ : ClassWeightedFocalLoss
        The training loss (the net's ``criterion_``); its ``class_weight``
        buffer holds a copy of ``alpha_``.

    References
    ----------
    .. [1] T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollár, "Focal Loss for
       Dense Object Detection", ICCV 2017.

    Examples
    --------
    >>> from skrebalance import RebalancedNetClassifier
    >>> from skrebalance.strategies import FocalLossStrategy
    >>> clf = RebalancedNetClassifier(strategy=FocalLossStrategy(gamma=1.0), max_epochs=2)
    >>> clf.set_params(strategy__gamma=3.0).get_params()["strategy__gamma"]
    3.0
    """

    _parameter_constraints = {
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": ["array-like", StrOptions({"balanced"}), None],
    }

    def __init__(self, gamma=2.0, alpha=None):
        self.gamma = gamma
        self.alpha = alpha

    def _reset_state(self):
        self.alpha_ = None
        self.criterion_ = None

    @property
    def provides_loss(self):
        return True

    def get_criterion(self, net):
        self.criterion_ = ClassWeightedFocalLoss(gamma=self.gamma)
        return self.criterion_

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if self.alpha is None:
            self.alpha_ = None
        elif isinstance(self.alpha, str):  # "balanced"
            # inverse class frequency, summing to C: the effective-number
            # weights at beta=1
            counts = torch.bincount(net.train_y_, minlength=net.n_classes_)
            self.alpha_ = effective_number_weights(counts, beta=1.0).to(net.device_)
        else:
            alpha = torch.as_tensor(self.alpha, dtype=torch.float32, device=net.device_)
            if alpha.shape != (net.n_classes_,):
                raise ValueError(
                    f"alpha must have one weight per class ({net.n_classes_}), "
                    f"got shape {tuple(alpha.shape)}."
                )
            if not torch.isfinite(alpha).all() or (alpha < 0).any():
                raise ValueError("alpha must hold finite, non-negative class weights.")
            self.alpha_ = alpha
        self.criterion_.set_class_weight(self.alpha_)


#: the name before the ``...Strategy`` naming convention, kept as an alias
FocalLoss = FocalLossStrategy
