"""Softmax focal loss (Lin et al., 2017), the base loss of every loss strategy."""

import torch
import torch.nn.functional as F

from ._reduction import check_reduction, reduce_loss
from ._validation import check_scalar


def focal_loss(
    logits, target, gamma=2.0, alpha=None, reduction="mean", sample_weight=None,
    check_input=True,
):
    r"""Multi-class softmax focal loss with optional class and example weights.

    .. math::

        \ell_i = - s_i \, \alpha_{y_i} \, (1 - p_{i, y_i})^{\gamma} \log p_{i, y_i},
        \qquad p_i = \mathrm{softmax}(z_i)

    ``gamma=0`` with no weights is exactly the cross-entropy. Class weights
    ``alpha`` are how class-level strategies (class-balanced, CDB-W) weight the
    loss; ``sample_weight`` is how example-level strategies (GHM) do.

    For ``gamma > 0`` both factors are computed from the log-odds of the
    other classes against the target,
    :math:`a_i = \log \sum_{j \ne y_i} e^{z_{i,j}} - z_{i,y_i}`:

    .. math::

        -\log p_{i,y_i} = \mathrm{softplus}(a_i), \qquad
        (1 - p_{i,y_i})^{\gamma} = e^{-\gamma\, \mathrm{softplus}(-a_i)},

    which is exact and has a finite gradient for every ``gamma >= 0`` and any
    logit scale. The form :math:`(1 - p)^\gamma` with ``p`` rounded to 1
    (float32 logit gaps above about 17) would give ``0 ** gamma`` whose
    gradient is infinite for ``0 < gamma < 1`` (NaN after the chain rule).

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
    check_input : bool, default=True
        Check ``gamma`` and ``reduction``; callers that already did (a loss
        module in its batch loop) pass ``False``.

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
    if check_input:
        check_reduction(reduction, "focal_loss")
        check_scalar(gamma, "gamma", 0, None, caller="focal_loss")
    if gamma == 0 and sample_weight is None:
        # weighted cross-entropy: torch's fused kernel, same convention
        loss = F.cross_entropy(logits, target, weight=alpha, reduction="none")
        return reduce_loss(loss, reduction, check_input=False)
    if gamma == 0:
        loss = F.cross_entropy(logits, target, reduction="none")
    else:
        loss = _focal_terms(logits, target, gamma)
    if alpha is not None:
        loss = loss * alpha[target]
    if sample_weight is not None:
        loss = loss * sample_weight
    return reduce_loss(loss, reduction, check_input=False)


def _focal_terms(logits, target, gamma):
    # a = log sum_{j != y} e^{z_j} - z_y; -log p_y = softplus(a) and
    # log(1 - p_y) = -softplus(-a), both exact and smooth for every a
    index = target.view(-1, 1)
    z_y = logits.gather(1, index).squeeze(1)
    if logits.shape[-1] < 2:  # one class: p_y = 1, the loss is 0
        return z_y * 0.0
    others = logits.scatter(1, index, float("-inf")).logsumexp(dim=1)
    a = others - z_y
    return F.softplus(a) * torch.exp(F.softplus(-a) * -gamma)
