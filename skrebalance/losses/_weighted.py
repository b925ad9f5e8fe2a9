"""Class-weighted focal / cross-entropy loss module, and per-row weights for any loss."""

import functools
import inspect

import torch
from torch import nn

from ..functional import focal_loss
from ..functional._reduction import check_reduction, reduce_loss


class ClassWeightedFocalLoss(nn.Module):
    r"""Focal loss (cross-entropy at ``gamma=0``) with class and example weights.

    For a batch of :math:`n` rows with logits :math:`z_i`, labels :math:`y_i`,
    class weights :math:`\alpha` (``class_weight``) and per-row weights
    :math:`s_i` (``sample_weight``)

    .. math::

        \ell = \frac{1}{n} \sum_{i=1}^{n} s_i \, \alpha_{y_i}
               (1 - p_{i,y_i})^{\gamma} \, (-\log p_{i,y_i})

    with ``reduction="mean"`` (the package's one convention,
    :func:`skrebalance.functional.reduce_loss`: divide by the batch size, not
    by the sum of the weights as :class:`torch.nn.CrossEntropyLoss` does).

    The class weights live in the buffer ``class_weight`` so that they follow
    ``.to(device)`` and ``state_dict``. The strategy that owns the module
    updates them with :meth:`set_class_weight`; ``None`` means unweighted.

    Parameters
    ----------
    gamma : float, default=0.0
        Focusing parameter; ``0`` gives the (weighted) cross-entropy.
    class_weight : torch.Tensor of shape (C,) or None, default=None
        Initial per-class weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` divides the weighted sum by the batch size.

    Examples
    --------
    >>> import torch
    >>> loss = ClassWeightedFocalLoss(gamma=0.0, class_weight=torch.tensor([1.0, 3.0]))
    >>> loss(torch.zeros(2, 2), torch.tensor([0, 1]))  # (1 + 3) * log(2) / 2
    tensor(1.3863)
    >>> loss(torch.zeros(2, 2), torch.tensor([0, 1]), sample_weight=torch.tensor([1.0, 0.0]))
    tensor(0.3466)
    """

    def __init__(self, gamma=0.0, class_weight=None, reduction="mean"):
        super().__init__()
        check_reduction(reduction)
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma!r}.")
        self.gamma = float(gamma)
        self.reduction = reduction
        self.register_buffer("class_weight", class_weight)

    @torch.no_grad()
    def set_class_weight(self, class_weight):
        """Set the class weights: in place when the shape is unchanged.

        Parameters
        ----------
        class_weight : torch.Tensor of shape (C,) or None
            New weights (copied, never aliased); ``None`` removes them.

        Returns
        -------
        self : ClassWeightedFocalLoss
        """
        current = self.class_weight
        if class_weight is None:
            self.class_weight = None
        elif current is not None and current.shape == class_weight.shape:
            current.copy_(class_weight)
        else:
            self.class_weight = class_weight.detach().clone()
        return self

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # an unset (None) buffer is not part of torch's expected keys: set it
        # from the state, or unset it when the state has none
        key = prefix + "class_weight"
        if key in state_dict and self.class_weight is None:
            self.class_weight = torch.empty_like(state_dict[key])
        elif key not in state_dict:
            self.class_weight = None
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, logits, target, sample_weight=None):
        """Return the loss of ``logits`` (n, C) against class indices ``target``.

        ``sample_weight`` (float tensor of shape (n,), or ``None``) multiplies
        the per-row losses before the reduction.
        """
        return focal_loss(
            logits,
            target,
            gamma=self.gamma,
            alpha=self.class_weight,
            reduction=self.reduction,
            sample_weight=sample_weight,
            check_input=False,  # gamma and reduction were checked in __init__
        )

    def extra_repr(self):
        return f"gamma={self.gamma}, reduction={self.reduction!r}"


def weighted_criterion_loss(criterion, logits, target, sample_weight):
    """Call ``criterion`` with per-row weights, whatever loss module it is.

    A module whose ``forward`` takes ``sample_weight`` (the package's losses)
    gets it. A stock torch loss with a ``reduction`` attribute (e.g.
    :class:`torch.nn.CrossEntropyLoss`) is evaluated per row and reduced by
    the package's convention, ``sum_i s_i * l_i / n`` for ``"mean"``
    (:func:`skrebalance.functional.reduce_loss`). Any other module raises a
    ``TypeError`` naming it.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> weighted_criterion_loss(nn.CrossEntropyLoss(), torch.zeros(2, 2),
    ...                         torch.tensor([0, 1]), torch.tensor([1.0, 0.0]))
    tensor(0.3466)
    """
    if sample_weight is None:
        return criterion(logits, target)
    if _takes_sample_weight(type(criterion)):
        return criterion(logits, target, sample_weight=sample_weight)
    reduction = getattr(criterion, "reduction", None)
    if reduction not in ("mean", "sum", "none"):
        raise TypeError(
            f"criterion {type(criterion).__name__} takes no sample_weight and has no "
            "reduction to evaluate it per row: sample_weight / class_weight cannot be used."
        )
    criterion.reduction = "none"
    try:
        per_row = criterion(logits, target)
    finally:
        criterion.reduction = reduction
    return reduce_loss(per_row * sample_weight, reduction)


@functools.lru_cache(maxsize=None)
def _takes_sample_weight(cls):
    try:
        return "sample_weight" in inspect.signature(cls.forward).parameters
    except (TypeError, ValueError):
        return False
