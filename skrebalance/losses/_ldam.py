"""LDAM loss module with its margins and (deferred) class weights in buffers."""

from ..functional import ldam_loss
from ..functional._validation import check_scalar
from ._class_vector import ClassVectorLoss, set_class_buffer


class LDAMLoss(ClassVectorLoss):
    r"""Label-distribution-aware margin loss (Cao et al., 2019).

    .. math::

        \ell_i = - s_i \, w_{y_i} \log \mathrm{softmax}\big(
        s\,(z_i - \Delta_{y_i} e_{y_i})\big)_{y_i}

    (see :func:`skrebalance.functional.ldam_loss`). Buffers: ``margins``
    :math:`\Delta` (``None``: no margins) and ``class_weight`` :math:`w`
    (``None``: unweighted), set with :meth:`set_margins` and
    :meth:`set_class_weight`; deferred re-weighting sets the class weights
    during training.

    Parameters
    ----------
    s : float, default=30.0
        Scale of the logits, ``> 0``.
    margins : torch.Tensor of shape (C,) or None, default=None
        Initial margins.
    class_weight : torch.Tensor of shape (C,) or None, default=None
        Initial class weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` divides the weighted sum by the batch size
        (see :func:`skrebalance.functional.reduce_loss`).

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga, T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.

    Examples
    --------
    >>> import torch
    >>> from skrebalance.functional import ldam_margins
    >>> loss = LDAMLoss(s=2.0, margins=ldam_margins([16, 1]))
    >>> loss(torch.tensor([[0.5, 0.5]]), torch.tensor([0]))  # log(1 + e^0.5)
    tensor(0.9741)
    >>> loss.set_class_weight(torch.tensor([0.5, 1.5]))
    >>> loss(torch.tensor([[0.5, 0.5]]), torch.tensor([0]))  # 0.5 log(1 + e^0.5)
    tensor(0.4870)
    """

    _loss = staticmethod(ldam_loss)
    _offsets = "margins"
    _scale = "s"

    def __init__(self, s=30.0, margins=None, class_weight=None, reduction="mean"):
        super().__init__(reduction, margins=margins, class_weight=class_weight)
        check_scalar(s, "s", 0, None, closed="neither", caller="LDAMLoss")
        self.s = float(s)

    def set_margins(self, margins):
        """Set the buffer ``margins`` (shape (C,), or ``None`` for no margins)."""
        set_class_buffer(self, "margins", margins)

    def set_class_weight(self, class_weight):
        """Set the buffer ``class_weight`` (shape (C,), or ``None`` for unweighted)."""
        set_class_buffer(self, "class_weight", class_weight)
