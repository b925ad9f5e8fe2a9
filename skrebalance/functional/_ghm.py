r"""GHM-CWAP formulas (Zhang et al., 2022): category-wise gradient harmonizing.

The pieces of the loss, each a pure function on tensors:

1. :func:`gradient_norm` -- the per-example gradient norm
   :math:`g = 1 - p_y` in :math:`[0, 1]`;
2. the category-wise histograms and their region values :math:`v_{c,i}`
   (Algorithm 1's densities, :mod:`skrebalance.functional._ghm_regions`);
3. :func:`ghm_effective_sizes` -- :math:`S_c = \sum_i v_{c,i}^\alpha`;
4. :func:`ghm_cwap_weight_table` -- the intra-category weights
   :math:`W_{c,i} = S_c / v_{c,i}^\alpha` (eq. 1) and
   :func:`ghm_normalize_weights` (mean 1 over the batch, optionally clamped);
5. :func:`ghm_cwap_margins` -- the inter-category margins
   :math:`M_{m,n} = \gamma \log \min(1, S_n / S_m)` (eq. 2);
6. :func:`ghm_cwap_loss` -- eq. 3, a weighted cross-entropy on margin-shifted
   logits.

References
----------
.. [1] R. Zhang, T. Lin, R. Zhang, Y. Xu, "Solving the long-tailed problem via
   intra- and inter-category balance", arXiv:2204.09234, 2022.
.. [2] B. Li, Y. Liu, X. Wang, "Gradient Harmonized Single-stage Detector",
   AAAI 2019.
.. [3] J. Wang et al., "Seesaw Loss for Long-Tailed Instance Segmentation",
   CVPR 2021.
"""

import torch
import torch.nn.functional as F

from ._reduction import check_reduction
from ._validation import check_scalar


def gradient_norm(logits, target):
    r"""Norm in ``[0, 1]`` of the softmax cross-entropy gradient of each example.

    The gradient of :math:`-\log p_y` with respect to the logits is
    :math:`p - \mathrm{onehot}(y)`, whose L1 norm is :math:`2 (1 - p_y)`. The
    norm used is half of it,

    .. math:: g = 1 - p_y \in [0, 1],

    which for two classes is GHM-C's :math:`|p - p^*|` of the sigmoid case. It
    is computed from ``log_softmax`` (stable for saturated logits) and is not
    part of the autograd graph.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores.
    target : torch.Tensor of shape (n,)
        Class indices in ``[0, C)``.

    Returns
    -------
    torch.Tensor of shape (n,)
        Detached gradient norms in ``[0, 1]``.

    Examples
    --------
    >>> import torch
    >>> gradient_norm(torch.tensor([[0.0, 0.0], [2.0, 0.0]]), torch.tensor([0, 1]))
    tensor([0.5000, 0.8808])
    """
    if logits.dtype != torch.float32:
        logits = logits.float()
    with torch.no_grad():
        # -log p_y from torch's fused kernel (log_softmax + gather in one call)
        nll = F.cross_entropy(logits, target, reduction="none")
        return torch.expm1(nll.neg_()).neg_().clamp_(0.0, 1.0)


def _check_alpha(alpha, caller):
    check_scalar(alpha, "alpha", 0, 1, caller=caller)


def ghm_effective_sizes(values, alpha=0.9, min_value=1.0, check_input=True):
    r"""Effective sample size of each category, clamped away from zero.

    .. math:: S_c = \max\Big(\sum_{i:\, v_{c,i} > 0} v_{c,i}^{\alpha},\;
              v_{\min,c}^{\alpha}\Big)

    over the region values :math:`v_{c,i}` (Algorithm 1's densities,
    :func:`~skrebalance.functional.ghm_region_values`; the counts for equal
    widths). Empty regions contribute nothing (also at ``alpha=0``, where
    ``S_c`` is then the number of non-empty regions, not :math:`0^0 = 1`
    each). A category with no example gets the effective size of the
    smallest value one example can have, ``min_value``, so ratios
    :math:`S_n / S_m` and their logarithms stay finite.

    Parameters
    ----------
    values : torch.Tensor of shape (C, N)
        Region values (densities, counts or running averages of them).
    alpha : float, default=0.9
        Exponent in ``[0, 1]``; 1 with equal widths gives the class sizes.
    min_value : float or torch.Tensor of shape (C,), default=1.0
        Value of one example on the scale of ``values`` (per category).
    check_input : bool, default=True
        Check ``alpha``; callers that already did pass ``False``.

    Returns
    -------
    torch.Tensor of shape (C,)

    Examples
    --------
    >>> import torch
    >>> ghm_effective_sizes(torch.tensor([[4.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), alpha=0.5)
    tensor([3., 1.])
    """
    if check_input:
        _check_alpha(alpha, "ghm_effective_sizes")
    if alpha > 0:
        powered = values.clamp_min(0).pow(alpha)
    else:  # indicator of non-empty regions (torch's 0 ** 0 is 1)
        powered = (values > 0).to(values.dtype)
    floor = torch.as_tensor(min_value, dtype=values.dtype, device=values.device).pow(alpha)
    return torch.maximum(powered.sum(dim=-1), floor)


def ghm_cwap_weight_table(values, alpha=0.9, min_value=1.0, effective_sizes=None,
                          check_input=True):
    r"""Intra-category weight of every (category, region) cell (eq. 1).

    .. math:: W_{c,i} = \frac{S_c}{\max(v_{c,i}, v_{\min,c,i})^{\alpha}}

    A region's value is at least that of one example in it (the one being
    weighted: :math:`1 / (N d_{c,i})` with Algorithm 1's densities), so an
    empty region never divides by zero.

    Parameters
    ----------
    values : torch.Tensor of shape (C, N)
        Region values.
    alpha : float, default=0.9
        Exponent in ``[0, 1]``.
    min_value : float or torch.Tensor broadcastable to (C, N), default=1.0
        Value of one example in each cell, on the scale of ``values``.
    effective_sizes : torch.Tensor of shape (C,) or None, default=None
        :math:`S_c` if already computed by :func:`ghm_effective_sizes`.
    check_input : bool, default=True
        Check ``alpha``; callers that already did pass ``False``.

    Returns
    -------
    torch.Tensor of shape (C, N)
        Finite, positive raw weights (normalise them per batch with
        :func:`ghm_normalize_weights`).

    Examples
    --------
    >>> import torch
    >>> ghm_cwap_weight_table(torch.tensor([[4.0, 1.0]]), alpha=0.5)
    tensor([[1.5000, 3.0000]])
    """
    if check_input:
        _check_alpha(alpha, "ghm_cwap_weight_table")
    floor = torch.as_tensor(min_value, dtype=values.dtype, device=values.device)
    if effective_sizes is None:
        min_size = floor if floor.ndim < 2 else floor.amin(dim=-1)
        effective_sizes = ghm_effective_sizes(values, alpha, min_size, check_input=False)
    return effective_sizes[:, None] / torch.maximum(values, floor).pow(alpha)


def ghm_normalize_weights(weights, max_weight=None, groups=None, n_groups=None, mean=1.0,
                          counts=None, check_input=True):
    r"""Scale weights to mean 1 (overall or per group), then clamp.

    With :math:`m_j` the number of examples that weight :math:`W_j` stands
    for (``counts``; 1 each by default, a batch of example weights), over all
    of them (``groups=None``):

    .. math:: w_j = \min\Big(w_{\max},\;
              \frac{\sum_k m_k}{\sum_k m_k W_k}\, W_j\Big)

    or per group (``groups`` = the classes), each group's weights scaled to
    mean 1 over its own examples,

    .. math:: w_j = \min\Big(w_{\max},\;
              \frac{\sum_{k \in G(j)} m_k}{\sum_{k \in G(j)} m_k W_k}\, W_j\Big),

    so the weights only redistribute within a group. A group with no example
    (:math:`\sum m_k = 0`) gets weight 1. Either way the loss keeps the scale
    of cross-entropy and the learning rate keeps its meaning. The optional
    clamp :math:`w_{\max}` (not in the paper) caps single examples; after it
    the mean falls below 1. With ``counts`` the weights can be a table (one
    per histogram cell, ``counts`` its histogram), normalised once for all
    the batches that read it.

    Parameters
    ----------
    weights : torch.Tensor of shape (n,)
        Positive raw weights.
    max_weight : float or None, default=None
        Upper bound of a normalised weight; ``None`` does not clamp.
    groups : torch.Tensor of shape (n,), dtype int64, or None, default=None
        Group (class) of each weight; ``None`` normalises over all.
    n_groups : int or None, default=None
        Number of groups (``C``); needed with ``groups``.
    mean : float, default=1.0
        Mean to scale to instead of 1 (the clamp becomes ``max_weight * mean``).
    counts : torch.Tensor of shape (n,) or None, default=None
        Non-negative multiplicity :math:`m_j` of each weight; ``None`` is 1.
    check_input : bool, default=True
        Check ``max_weight`` and ``n_groups``.

    Returns
    -------
    torch.Tensor of shape (n,)

    Examples
    --------
    >>> import torch
    >>> ghm_normalize_weights(torch.tensor([1.0, 3.0]))
    tensor([0.5000, 1.5000])
    >>> ghm_normalize_weights(torch.tensor([1.0, 1.0, 1.0, 97.0]), max_weight=2.0)
    tensor([0.0400, 0.0400, 0.0400, 2.0000])
    >>> ghm_normalize_weights(torch.tensor([1.0, 3.0, 5.0]), groups=torch.tensor([0, 0, 1]),
    ...                       n_groups=2)
    tensor([0.5000, 1.5000, 1.0000])
    >>> ghm_normalize_weights(torch.tensor([1.0, 3.0]), counts=torch.tensor([2.0, 0.0]))
    tensor([1., 3.])
    """
    if check_input:
        if max_weight is not None:
            check_scalar(max_weight, "max_weight", 0, None, closed="neither",
                         caller="ghm_normalize_weights")
        if groups is not None and n_groups is None:
            raise ValueError("n_groups is required with groups.")
    tiny = torch.finfo(weights.dtype).tiny
    mass = weights if counts is None else weights * counts
    if groups is None:
        total = mass.sum()
        if counts is None:  # (no host-to-device copy of the size)
            scaled = weights.mul(mean * weights.shape[0]).div_(total.clamp_min(tiny))
        else:
            scaled = weights * counts.sum().mul_(mean).div_(total.clamp_min(tiny))
            scaled = torch.where(total > 0, scaled, mean)
    else:
        ones = torch.ones_like(weights) if counts is None else counts
        totals = weights.new_zeros(int(n_groups)).index_add_(0, groups, mass)
        sizes = weights.new_zeros(int(n_groups)).index_add_(0, groups, ones)
        factor = sizes.mul(mean).div_(totals.clamp_min(tiny))
        scaled = weights * factor.index_select(0, groups)
        if counts is not None:  # a group without examples gets weight `mean`
            scaled = torch.where(sizes.index_select(0, groups) > 0, scaled, mean)
    return scaled if max_weight is None else scaled.clamp_(max=max_weight * mean)


def ghm_cwap_margins(effective_sizes, gamma=0.8, check_input=True):
    r"""Asymmetric inter-category margins (eq. 2).

    For an example of class ``m``, the logit of class ``n`` is shifted by

    .. math:: M_{m,n} = \gamma \log \min\Big(1, \frac{S_n}{S_m}\Big),
              \qquad M_{m,m} = 0,

    so examples of a frequent class push the logits of rarer classes down
    less (Seesaw's mitigation factor :math:`(S_n/S_m)^\gamma` written as a
    logit margin); examples of a rare class are unaffected.

    Parameters
    ----------
    effective_sizes : torch.Tensor of shape (C,)
        Positive effective sizes :math:`S_c` (see :func:`ghm_effective_sizes`).
    gamma : float, default=0.8
        Margin strength, ``>= 0``; 0 gives no margins.
    check_input : bool, default=True
        Check ``gamma``.

    Returns
    -------
    torch.Tensor of shape (C, C)
        Row ``m`` holds the margins added to the logits of examples of class ``m``;
        all entries are ``<= 0``.

    Examples
    --------
    >>> import torch
    >>> ghm_cwap_margins(torch.tensor([4.0, 1.0]), gamma=0.5)
    tensor([[ 0.0000, -0.6931],
            [ 0.0000,  0.0000]])
    """
    if check_input:
        check_scalar(gamma, "gamma", 0, None, caller="ghm_cwap_margins")
    tiny = torch.finfo(effective_sizes.dtype).tiny
    log_s = effective_sizes.clamp_min(tiny).log_()
    # log(S_n / S_m), clamped at 0 (min(1, .)); the diagonal is exactly 0.
    return (log_s.unsqueeze(0) - log_s.unsqueeze(1)).clamp_(max=0.0).mul_(gamma)


def ghm_cwap_loss(logits, target, margins=None, sample_weight=None, reduction="mean",
                  check_input=True):
    r"""GHM-CWAP loss: weighted cross-entropy on margin-shifted logits (eq. 3).

    .. math::

        \ell_j = - W_j \log \frac{e^{z_{j,m}}}{\sum_n e^{z_{j,n} + M_{m,n}}},
        \qquad m = y_j

    With no weights and zero margins this is the cross-entropy. The weights
    and margins are constants here (no gradient flows into them).

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores.
    target : torch.Tensor of shape (n,)
        Class indices.
    margins : torch.Tensor of shape (C, C) or None, default=None
        :func:`ghm_cwap_margins`; ``None`` means no margins.
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Example weights :math:`W_j`; ``None`` means 1.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is ``sum_j w_j l_j / n`` (see
        :func:`~skrebalance.functional.reduce_loss`).
    check_input : bool, default=True
        Check ``reduction``.

    Returns
    -------
    torch.Tensor
        Scalar, or shape ``(n,)`` with ``reduction="none"``.

    Examples
    --------
    >>> import math, torch
    >>> logits, target = torch.zeros(1, 2), torch.tensor([0])
    >>> ghm_cwap_loss(logits, target)  # log 2
    tensor(0.6931)
    >>> margins = torch.tensor([[0.0, -math.log(3)], [0.0, 0.0]])
    >>> ghm_cwap_loss(logits, target, margins)  # log(1 + 1/3)
    tensor(0.2877)
    """
    if check_input:
        check_reduction(reduction, "ghm_cwap_loss")
    if margins is not None:
        logits = logits + _constant(margins).index_select(0, target)
    if sample_weight is None:  # unweighted: the mean over the batch is torch's
        return F.cross_entropy(logits, target, reduction=reduction)
    # weighted cross-entropy; "mean" = sum_j w_j l_j / n (reduce_loss's convention)
    # as one dot product: fewer autograd nodes than multiply, sum and divide
    loss = F.cross_entropy(logits, target, reduction="none")
    sample_weight = _constant(sample_weight)
    if sample_weight.dtype != loss.dtype:
        sample_weight = sample_weight.to(loss.dtype)
    if reduction == "none":
        return loss * sample_weight
    total = torch.dot(loss, sample_weight)
    return total if reduction == "sum" else total / max(loss.shape[0], 1)


def _constant(tensor):
    # out of the autograd graph (a no-op, skipped, for tensors built under no_grad)
    return tensor.detach() if tensor.requires_grad else tensor
