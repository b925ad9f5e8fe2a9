r"""GHM-CWAP formulas (Zhang et al., 2022): category-wise gradient harmonizing.

The pieces of the loss, each a pure function on tensors:

1. :func:`gradient_norm` -- the per-example gradient norm
   :math:`g = 1 - p_y` in :math:`[0, 1]`;
2. :func:`ghm_region_index` / :func:`ghm_histogram` -- the category-wise
   histograms :math:`v_{c,i}` of ``g`` over ``N`` unit regions;
3. :func:`ghm_effective_sizes` -- :math:`S_c = \sum_i v_{c,i}^\alpha`;
4. :func:`ghm_cwap_weight_table` -- the intra-category weights
   :math:`W_{c,i} = S_c / v_{c,i}^\alpha` (eq. 1) and
   :func:`ghm_normalize_weights` (mean 1 over the batch, clamped);
5. :func:`ghm_cwap_margins` -- the inter-category margins
   :math:`M_{m,n} = \gamma \log \min(1, S_n / S_m)` (eq. 2);
6. :func:`ghm_cwap_loss` -- eq. 3, a weighted cross-entropy on margin-shifted
   logits (through :func:`~skrebalance.functional.focal_loss` at ``gamma=0``);
7. :func:`aura_widths` / :func:`aura_edges` / :func:`ghm_rebin` --
   the adaptive unit region approximation (AURA, Algorithm 1).

References
----------
.. [1] R. Zhang, T. Lin, R. Zhang, Y. Xu, "Solving the long-tailed problem via
   intra- and inter-category balance", arXiv:2204.09234, 2022.
.. [2] B. Li, Y. Liu, X. Wang, "Gradient Harmonized Single-stage Detector",
   AAAI 2019.
.. [3] J. Wang et al., "Seesaw Loss for Long-Tailed Instance Segmentation",
   CVPR 2021.
"""

import math

import torch
import torch.nn.functional as F

from ._focal import focal_loss
from ._reduction import check_reduction


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


def ghm_uniform_edges(n_regions, device=None):
    """Edges of ``n_regions`` equal-width unit regions of ``[0, 1]`` (URA).

    Parameters
    ----------
    n_regions : int
        Number of regions ``N >= 1``.
    device : torch.device or None, default=None
        Device of the result.

    Returns
    -------
    torch.Tensor of shape (n_regions + 1,)
        ``0 = e_0 < e_1 < ... < e_N = 1``.

    Examples
    --------
    >>> ghm_uniform_edges(4)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if int(n_regions) < 1:
        raise ValueError(f"n_regions must be >= 1, got {n_regions!r}.")
    return torch.linspace(0.0, 1.0, int(n_regions) + 1, device=device)


def ghm_region_index(g, edges):
    r"""Index of the unit region holding each gradient norm.

    Region ``i`` is :math:`[e_i, e_{i+1})`; the last one also holds ``g = 1``.

    Parameters
    ----------
    g : torch.Tensor of shape (n,)
        Gradient norms in ``[0, 1]``.
    edges : torch.Tensor of shape (N + 1,)
        Increasing region edges from 0 to 1.

    Returns
    -------
    torch.Tensor of shape (n,), dtype int64
        Region indices in ``[0, N)``.

    Examples
    --------
    >>> import torch
    >>> ghm_region_index(torch.tensor([0.0, 0.25, 0.7, 1.0]), ghm_uniform_edges(4)).tolist()
    [0, 1, 2, 3]
    """
    inner = edges.narrow(0, 1, edges.shape[0] - 2).contiguous()
    return torch.bucketize(g.contiguous(), inner, right=True)


def ghm_histogram(region, target, n_classes, n_regions, weight=None):
    r"""Category-wise histograms :math:`v_{c,i}`: examples of class c in region i.

    Built with ``index_add_`` (no host synchronisation, unlike
    ``torch.bincount``).

    Parameters
    ----------
    region : torch.Tensor of shape (n,), dtype int64
        Region of each example (:func:`ghm_region_index`).
    target : torch.Tensor of shape (n,), dtype int64
        Class of each example.
    n_classes : int
        Number of classes ``C``.
    n_regions : int
        Number of regions ``N``.
    weight : torch.Tensor of shape (n,) or None, default=None
        What each example adds (1 when ``None``).

    Returns
    -------
    torch.Tensor of shape (n_classes, n_regions), dtype float32

    Examples
    --------
    >>> import torch
    >>> ghm_histogram(torch.tensor([0, 0, 1]), torch.tensor([0, 0, 1]), 2, 2)
    tensor([[2., 0.],
            [0., 1.]])
    """
    flat = target.long() * int(n_regions) + region.long()
    values = (
        torch.ones(flat.shape[0], device=flat.device)
        if weight is None
        else weight.to(torch.float32)
    )
    counts = torch.zeros(int(n_classes) * int(n_regions), device=flat.device)
    counts.index_add_(0, flat, values)
    return counts.view(int(n_classes), int(n_regions))


def _check_alpha(alpha):
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}.")


def _powered(counts, alpha):
    # v^alpha for non-empty regions, 0 for empty ones (torch gives 0**0 == 1,
    # hence the indicator at alpha = 0; for alpha > 0, 0**alpha is already 0).
    if alpha > 0:
        return counts.clamp_min(0).pow_(alpha)
    return (counts > 0).to(counts.dtype)


def _cell_weights(powered, sizes, floor, target, cell):
    # W_{y_j, i_j} = S_{y_j} / max(v^alpha, floor) read at the examples' cells only
    # (``cell`` = y_j * N + i_j), without the (C, N) table of
    # :func:`ghm_cwap_weight_table`; ``max(v, s)^alpha = max(v^alpha, s^alpha)``
    # for alpha > 0, and both are 1 at alpha = 0 (``powered`` is 0/1, floor 1).
    cells = torch.take(powered, cell).clamp_min_(floor)
    return sizes.index_select(0, target).div_(cells)


def ghm_effective_sizes(counts, alpha=0.9, min_size=1.0):
    r"""Effective sample size of each class, clamped away from zero.

    .. math:: S_c = \max\Big(\sum_{i:\, v_{c,i} > 0} v_{c,i}^{\alpha},\;
              s_{\min}^{\alpha}\Big)

    Empty regions contribute nothing (also at ``alpha=0``, where ``S_c`` is
    then the number of non-empty regions). A class with no example gets the
    effective size of ``min_size`` examples, so ratios :math:`S_n / S_m` and
    their logarithms stay finite.

    Parameters
    ----------
    counts : torch.Tensor of shape (C, N)
        Category-wise histograms :math:`v_{c,i}` (counts or running averages).
    alpha : float, default=0.9
        Exponent in ``[0, 1]``; 1 gives the class sizes.
    min_size : float or torch.Tensor, default=1.0
        Count of one example on the scale of ``counts`` (the floor is its
        effective size ``min_size ** alpha``).

    Returns
    -------
    torch.Tensor of shape (C,)

    Examples
    --------
    >>> import torch
    >>> ghm_effective_sizes(torch.tensor([[4.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), alpha=0.5)
    tensor([3., 1.])
    """
    _check_alpha(alpha)
    floor = torch.as_tensor(min_size, dtype=counts.dtype, device=counts.device).pow(alpha)
    return torch.maximum(_powered(counts, alpha).sum(dim=-1), floor)


def ghm_cwap_weight_table(counts, alpha=0.9, min_size=1.0, effective_sizes=None):
    r"""Intra-category weight of every (class, region) cell (eq. 1).

    .. math:: W_{c,i} = \frac{S_c}{\max(v_{c,i}, s_{\min})^{\alpha}}

    A region counts at least ``min_size`` (one example, the one being
    weighted), so an empty region never divides by zero.

    Parameters
    ----------
    counts : torch.Tensor of shape (C, N)
        Category-wise histograms.
    alpha : float, default=0.9
        Exponent in ``[0, 1]``.
    min_size : float or torch.Tensor, default=1.0
        Count of one example on the scale of ``counts``.
    effective_sizes : torch.Tensor of shape (C,) or None, default=None
        :math:`S_c` if already computed by :func:`ghm_effective_sizes` with
        the same arguments.

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
    sizes = (
        ghm_effective_sizes(counts, alpha, min_size)
        if effective_sizes is None
        else effective_sizes
    )
    floor = torch.as_tensor(min_size, dtype=counts.dtype, device=counts.device)
    return sizes[:, None] / torch.maximum(counts, floor).pow(alpha)


def ghm_normalize_weights(weights, max_weight=10.0, groups=None, n_groups=None, mean=1.0):
    r"""Scale example weights to mean 1 over the batch (or per group), then clamp.

    Over the whole batch (``groups=None``):

    .. math:: w_j = \min\Big(w_{\max},\; \frac{n\, W_j}{\sum_k W_k}\Big)

    Per group (``groups`` = the classes): each class's weights are scaled to
    mean 1 over its examples in the batch,

    .. math:: w_j = \min\Big(w_{\max},\;
              \frac{n_{y_j}\, W_j}{\sum_{k:\, y_k = y_j} W_k}\Big),

    so the weights only redistribute within a class (and the batch mean is 1
    as well). Either way the loss keeps the scale of cross-entropy and the
    learning rate keeps its meaning; the clamp stops a few examples in nearly
    empty regions from dominating the batch (after it the mean may fall
    slightly below 1).

    Parameters
    ----------
    weights : torch.Tensor of shape (n,)
        Positive raw weights.
    max_weight : float, default=10.0
        Upper bound of a normalised weight.
    groups : torch.Tensor of shape (n,), dtype int64, or None, default=None
        Group (class) of each example; ``None`` normalises over the batch.
    n_groups : int or None, default=None
        Number of groups (``C``); needed with ``groups``.
    mean : float, default=1.0
        Mean to scale to instead of 1 (the clamp becomes ``max_weight * mean``):
        ``mean=1/n`` gives the weights of a ``"mean"`` loss written as a sum,
        ``sum_j w_j l_j``.

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
    >>> ghm_normalize_weights(torch.tensor([1.0, 3.0]), mean=0.5)
    tensor([0.2500, 0.7500])
    """
    tiny = torch.finfo(weights.dtype).tiny
    if groups is None:
        total = weights.sum().clamp_min_(tiny)
        scale = mean * weights.shape[0]
        scaled = weights.div(total) if scale == 1.0 else weights.mul(scale).div_(total)
        return scaled.clamp_(max=max_weight * mean)
    if n_groups is None:
        raise ValueError("n_groups is required with groups.")
    totals = weights.new_zeros(int(n_groups)).index_add_(0, groups, weights)
    sizes = weights.new_zeros(int(n_groups)).index_add_(0, groups, torch.ones_like(weights))
    scale = sizes.mul_(mean).div_(totals.clamp_min_(tiny))
    return (weights * scale.index_select(0, groups)).clamp_(max=max_weight * mean)


def ghm_cwap_margins(effective_sizes, gamma=0.8):
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
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}.")
    tiny = torch.finfo(effective_sizes.dtype).tiny
    log_s = effective_sizes.clamp_min(tiny).log_()
    # log(S_n / S_m), clamped at 0 (min(1, .)); the diagonal is exactly 0.
    return (log_s.unsqueeze(0) - log_s.unsqueeze(1)).clamp_(max=0.0).mul_(gamma)


def ghm_cwap_loss(logits, target, margins=None, sample_weight=None, reduction="mean"):
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
        Intra-category weights :math:`W_j`; ``None`` means 1.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is ``sum_j l_j / n`` (see
        :func:`~skrebalance.functional.reduce_loss`).

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
    if margins is not None:
        logits = logits + margins.detach().index_select(0, target)
    if sample_weight is None:
        return focal_loss(logits, target, gamma=0.0, reduction=reduction)
    check_reduction(reduction)
    # weighted cross-entropy; "mean" = sum_j w_j l_j / n (reduce_loss's convention)
    # as one dot product: fewer autograd nodes than multiply, sum and divide
    loss = F.cross_entropy(logits, target, reduction="none")
    sample_weight = sample_weight.detach()
    if reduction == "none":
        return loss * sample_weight
    total = torch.dot(loss, sample_weight.to(loss.dtype))
    return total if reduction == "sum" else total / max(loss.shape[0], 1)


def aura_widths(values, eps=1e-12):
    r"""New unit-region widths from the values counted over an epoch (AURA).

    During an epoch each example adds :math:`1 / (N d_i)` to the value
    :math:`v_i` of its region (a density: count over relative width). The
    paper then sets :math:`d_i \leftarrow 1 / \log v_i`, undefined for
    :math:`v_i \le 1`. The safe monotone form used here is

    .. math:: d_i \propto \frac{1}{\log(e + v_i)}, \qquad \sum_i d_i = 1,

    finite and positive for every :math:`v_i \ge 0`, decreasing in
    :math:`v_i` (narrow regions where examples are dense, wide where they are
    sparse), equal to the paper's form asymptotically, and the same for all
    regions (equal widths) when the values are equal.

    Parameters
    ----------
    values : torch.Tensor of shape (N,)
        Non-negative accumulated values.
    eps : float, default=1e-12
        Guard of the normalisation.

    Returns
    -------
    torch.Tensor of shape (N,)
        Positive widths summing to 1.

    Examples
    --------
    >>> import torch
    >>> w = aura_widths(torch.tensor([100.0, 0.0]))
    >>> bool(w[0] < w[1]), round(float(w.sum()), 6)
    (True, 1.0)
    """
    inv = 1.0 / torch.log(math.e + values.clamp_min(0.0))
    return inv / inv.sum().clamp_min(eps)


def aura_edges(widths):
    """Region edges ``[0, d_0, d_0 + d_1, ..., 1]`` from widths summing to 1.

    Parameters
    ----------
    widths : torch.Tensor of shape (N,)
        Positive widths.

    Returns
    -------
    torch.Tensor of shape (N + 1,)
        Increasing edges; the last one is exactly 1.

    Examples
    --------
    >>> import torch
    >>> aura_edges(torch.tensor([0.25, 0.75]))
    tensor([0.0000, 0.2500, 1.0000])
    """
    edges = torch.cat([widths.new_zeros(1), torch.cumsum(widths, dim=0)])
    edges = edges / edges[-1].clamp_min(torch.finfo(edges.dtype).tiny)
    # exactly 1 at the end, without a host-to-device copy (``edges[-1] = 1.0``)
    return torch.cat([edges[:-1], edges.new_ones(1)])


def ghm_rebin(counts, old_edges, new_edges):
    r"""Move histograms to new region edges, assuming uniform density in a region.

    The cumulative count is interpolated linearly between the old edges and
    differenced at the new ones, so each class keeps its total. Used when
    AURA moves the edges while running counts are kept.

    Parameters
    ----------
    counts : torch.Tensor of shape (C, N)
        Histograms over the old regions.
    old_edges, new_edges : torch.Tensor of shape (N + 1,)
        Edges from 0 to 1.

    Returns
    -------
    torch.Tensor of shape (C, N)

    Examples
    --------
    >>> import torch
    >>> ghm_rebin(torch.tensor([[4.0, 0.0]]), torch.tensor([0.0, 0.5, 1.0]),
    ...              torch.tensor([0.0, 0.25, 1.0]))
    tensor([[2., 2.]])
    """
    n_regions = counts.shape[-1]
    cdf = torch.cat([counts.new_zeros(counts.shape[0], 1), counts.cumsum(dim=-1)], dim=-1)
    j = (torch.searchsorted(old_edges, new_edges, right=True) - 1).clamp_(0, n_regions - 1)
    left = old_edges[j]
    width = (old_edges[j + 1] - left).clamp_min(torch.finfo(old_edges.dtype).tiny)
    frac = ((new_edges - left) / width).clamp_(0.0, 1.0)
    at_new = cdf[:, j] + frac[None, :] * counts[:, j]
    return torch.diff(at_new, dim=-1).clamp_min_(0.0)
