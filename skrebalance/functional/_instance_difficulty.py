"""Instance difficulty from prediction variations (Yu et al., CVPR 2022)."""

import math

import torch

from ._validation import check_same_shape, check_scalar

#: Probabilities are clamped to at least this value before any logarithm.
PROBA_EPS = 1e-6


def psi_split(p_prev, p_curr, y, eps=PROBA_EPS, check_input=True):
    r"""Split the PSI distance of two predictions into unlearning and learning parts.

    With :math:`\Delta p^j = p^j_{t} - p^j_{t-1}` and
    :math:`r^j = \ln(p^j_t / p^j_{t-1})` for class :math:`j` of an instance
    labelled :math:`y` (eq. 6 and 7 of [1]_):

    .. math::

        du_t = \min(\Delta p^{y}, 0)\, r^{y}
               + \sum_{j \ne y} \max(\Delta p^{j}, 0)\, r^{j},
        \qquad
        dl_t = \max(\Delta p^{y}, 0)\, r^{y}
               + \sum_{j \ne y} \min(\Delta p^{j}, 0)\, r^{j}.

    Every term :math:`\Delta p^j r^j` is ``>= 0`` (``p - q`` and
    ``ln p - ln q`` share their sign), so ``du`` and ``dl`` are non-negative
    and ``du + dl`` is the population stability index
    :math:`\sum_j \Delta p^j r^j` of eq. 5. ``du`` collects the changes that
    move away from the label (the true class loses, another class gains),
    ``dl`` those that move toward it.

    Probabilities are clamped to ``[eps, 1]`` before the differences and
    logarithms, so saturated predictions (exact zeros) give finite values.

    Parameters
    ----------
    p_prev : torch.Tensor of shape (n, k)
        Predicted probabilities at the previous step :math:`t-1`.
    p_curr : torch.Tensor of shape (n, k)
        Predicted probabilities at the current step :math:`t`.
    y : torch.Tensor of shape (n,)
        Integer labels in ``[0, k)``.
    eps : float, default=1e-6
        Lower clamp of the probabilities, in ``(0, 1)``.
    check_input : bool, default=True
        Check types, shapes and ``eps``; callers that already did (a strategy,
        once per epoch) pass ``False``.

    Returns
    -------
    du : torch.Tensor of shape (n,)
        Prediction variation in the unlearning direction, ``>= 0``.
    dl : torch.Tensor of shape (n,)
        Prediction variation in the learning direction, ``>= 0``.

    References
    ----------
    .. [1] S. Yu, J. Guo, R. Zhang, Y. Fan, Z. Wang, X. Cheng, "A Re-Balancing
       Strategy for Class-Imbalanced Classification Based on Instance
       Difficulty", CVPR 2022, pp. 70-79.

    Examples
    --------
    The true class rises from 0.5 to 0.8: everything is learning,
    ``0.3 ln 1.6 + 0.3 ln 2.5 = 0.4159``.

    >>> import torch
    >>> p_prev = torch.tensor([[0.5, 0.5]])
    >>> p_curr = torch.tensor([[0.8, 0.2]])
    >>> du, dl = psi_split(p_prev, p_curr, torch.tensor([0]))
    >>> du, dl
    (tensor([0.]), tensor([0.4159]))
    >>> psi_split(p_prev, p_curr, torch.tensor([1]))  # same change, other label
    (tensor([0.4159]), tensor([0.]))
    """
    if check_input:
        _check_psi_inputs(p_prev, p_curr, y, eps)
    q_prev = p_prev.clamp(min=eps, max=1.0)
    q_curr = p_curr.clamp(min=eps, max=1.0)
    delta = q_curr - q_prev
    # each term is >= 0 in exact arithmetic; clamp away rounding residue
    terms = (delta * (q_curr.log() - q_prev.log())).clamp_min(0)
    is_label = torch.zeros_like(delta, dtype=torch.bool)
    is_label.scatter_(1, y.view(-1, 1).long(), True)
    # unlearning: the label's probability falls or another class's rises
    unlearning = torch.where(is_label, delta < 0, delta > 0)
    du = torch.where(unlearning, terms, 0).sum(dim=1)
    dl = torch.where(unlearning, 0, terms).sum(dim=1)
    return du, dl


def _check_psi_inputs(p_prev, p_curr, y, eps):
    if not (torch.is_tensor(p_prev) and torch.is_tensor(p_curr) and torch.is_tensor(y)):
        raise TypeError("p_prev, p_curr and y must be torch tensors.")
    if p_prev.ndim != 2 or p_prev.shape != p_curr.shape:
        raise ValueError(
            "p_prev and p_curr must be 2-D tensors of the same shape (n, k), got "
            f"{tuple(p_prev.shape)} and {tuple(p_curr.shape)}."
        )
    if y.shape != (p_prev.shape[0],):
        raise ValueError(
            f"y must have shape ({p_prev.shape[0]},) to match the probabilities, "
            f"got {tuple(y.shape)}."
        )
    check_scalar(eps, "eps", 0, 1, closed="neither", caller="psi_split")


def instance_difficulty(sum_du, sum_dl, c, check_input=True):
    r"""Instance difficulty: accumulated unlearning over accumulated learning.

    Eq. 4 of [1]_, with the prior :math:`c > 0` shared by every instance:

    .. math::

        D_{i,T} = \frac{c + \sum_{t=1}^{T} du_{i,t}}{c + \sum_{t=1}^{T} dl_{i,t}}

    Before any update (both sums 0) every instance has difficulty 1. The
    sampling weights of eq. 1 are :math:`w_i = D_i / \sum_j D_j`.

    Parameters
    ----------
    sum_du : torch.Tensor of shape (n,)
        Accumulated unlearning variations (see :func:`psi_split`), ``>= 0``.
    sum_dl : torch.Tensor of shape (n,)
        Accumulated learning variations, ``>= 0``.
    c : float
        Prior of the difficulty, ``> 0``: the larger, the slower the
        difficulties move away from 1.
    check_input : bool, default=True
        Check ``c`` and the shapes; callers that already did pass ``False``.

    Returns
    -------
    torch.Tensor of shape (n,)
        Positive, finite difficulties.

    References
    ----------
    .. [1] S. Yu, J. Guo, R. Zhang, Y. Fan, Z. Wang, X. Cheng, "A Re-Balancing
       Strategy for Class-Imbalanced Classification Based on Instance
       Difficulty", CVPR 2022, pp. 70-79.

    Examples
    --------
    >>> import torch
    >>> instance_difficulty(torch.tensor([0.5, 0.0]), torch.tensor([1.5, 0.0]), c=0.5)
    tensor([0.5000, 1.0000])
    """
    if check_input:
        check_scalar(c, "c", 0, math.inf, closed="neither")
        check_same_shape(sum_du, sum_dl, ("sum_du", "sum_dl"), "instance_difficulty")
    return (c + sum_du) / (c + sum_dl)
