"""Class-weighted focal / cross-entropy loss module."""

import torch
from torch import nn

from ..functional import focal_loss
from ..functional._reduction import check_reduction


class ClassWeightedFocalLoss(nn.Module):
    """Focal loss (cross-entropy at ``gamma=0``) with per-class weights.

    The class weights live in the buffer ``class_weight`` so that they follow
    ``.to(device)`` and ``state_dict``. Strategies update them in place (for
    example after every epoch); ``None`` means unweighted.

    Parameters
    ----------
    gamma : float, default=0.0
        Focusing parameter; ``0`` gives the (weighted) cross-entropy.
    class_weight : torch.Tensor of shape (C,) or None, default=None
        Initial per-class weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` divides the weighted sum by the batch size
        (see :func:`skrebalance.functional.reduce_loss`).

    Examples
    --------
    >>> import torch
    >>> loss = ClassWeightedFocalLoss(gamma=0.0, class_weight=torch.tensor([1.0, 3.0]))
    >>> loss(torch.zeros(2, 2), torch.tensor([0, 1]))
    tensor(1.3863)
    """

    def __init__(self, gamma=0.0, class_weight=None, reduction="mean"):
        super().__init__()
        check_reduction(reduction)
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma!r}.")
        self.gamma = float(gamma)
        self.reduction = reduction
        self.register_buffer("class_weight", class_weight)

    def forward(self, logits, target):
        """Return the loss of ``logits`` (n, C) against class indices ``target``."""
        return focal_loss(
            logits,
            target,
            gamma=self.gamma,
            alpha=self.class_weight,
            reduction=self.reduction,
        )

    def extra_repr(self):
        return f"gamma={self.gamma}, reduction={self.reduction!r}"
