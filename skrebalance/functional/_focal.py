"""Softmax focal loss (Lin et al., 2017), the base loss of every loss strategy."""

import torch
import torch.nn.functional as F

from ._reduction import check_reduction, reduce_loss


def focal_loss(
    logits, target, gamma=2.0, alpha=None, reduction="mean", sample_weight=None
):
    r"""Multi-class softmax focal loss with optional class and example weights.

    .. math::

        \ell_i = - s_i \, \alpha_{y_i} \, (1 - p_{i, y_i})^{\gamma} \log p_{i, y_i},
        \qquad p_i = \mathrm{softmax}(z_i)

    ``gamma=0`` with no weights is exactly the cross-entropy. Class weights
    ``alpha`` are how class-level strategies (class-balanced, CDB-W) weight the
    loss; ``sample_weight`` is how example-level strategies (GHM) do.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores.
    target : torch.Tensor of shape (n,)
        Class indices in ``[0, C)``.
    gamma : float, default=2.0
        Focusing parameter, ``>= 0``.
    alpha : torch.Tensor of shape (C,) or None, default=None
        Per-class weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is ``sum_i l_i / n`` (see :func:`reduce_loss`).
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Per-example weights.

    Returns
    -------
    torch.Tensor
        Scalar, or shape ``(n,)`` with ``reduction="none"``.

    References
    ----------
    .. [1] T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollár, "Focal Loss for
       Dense Object Detection", ICCV 2017.

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    >>> target = torch.tensor([0, 1])
    >>> focal_loss(logits, target, gamma=0.0)  # cross-entropy
    tensor(0.4100)
    >>> focal_loss(logits, target, gamma=2.0)
    tensor(0.0875)
    """
    check_reduction(reduction)
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}.")
    if gamma == 0 and sample_weight is None:
        # weighted cross-entropy: torch's fused kernel, same convention
        loss = F.cross_entropy(logits, target, weight=alpha, reduction="none")
        return reduce_loss(loss, reduction)
    log_p = F.log_softmax(logits, dim=-1).gather(1, target.view(-1, 1)).squeeze(1)
    loss = -log_p
    if gamma != 0:
        # (1 - p)^gamma with p recovered from log p (<= 0, so -expm1 >= 0):
        # stable for saturated logits.
        loss = loss * (-torch.expm1(log_p)).pow(gamma)
    if alpha is not None:
        loss = loss * alpha[target]
    if sample_weight is not None:
        loss = loss * sample_weight
    return reduce_loss(loss, reduction)
