r"""GHM-CWAP's unit regions: histograms, region values and AURA (Zhang et al., 2022).

The gradient norms :math:`g \in [0, 1]` of each category :math:`c` are
binned into ``N`` unit regions with widths :math:`d_{c,i}` (one histogram
:math:`H_c` per category, each with its own widths). Algorithm 1 of [1]_:

1. start from equal widths, :math:`d_{c,i} = 1/N` (URA);
2. during an epoch, each example of category :math:`c` whose norm falls in
   region :math:`i` adds :math:`1 / (N d_{c,i})` to the region's value
   :math:`v_{c,i}` -- a density, count over relative width
   (:func:`ghm_region_values`; with equal widths it is the count);
3. the values give the weights :math:`W_{c,i} = S_c / v_{c,i}^\alpha` and
   :math:`S_c = \sum_i v_{c,i}^\alpha` (:mod:`skrebalance.functional._ghm`);
4. after the epoch the widths become :math:`d_{c,i} \propto 1/\log v_{c,i}`
   (:func:`aura_widths`, :func:`aura_edges`): narrow where examples are
   dense, wide where they are sparse.

:func:`ghm_rebin` moves a histogram onto new regions; :func:`ghm_cell_index`
bins a batch into the flat (category, region) cells.

References
----------
.. [1] R. Zhang, T. Lin, R. Zhang, Y. Xu, "Solving the long-tailed problem via
   intra- and inter-category balance", arXiv:2204.09234, 2022.
"""

import math

import torch

from ._validation import check_scalar


def ghm_uniform_edges(n_regions, n_classes=None, device=None, check_input=True):
    """Edges of ``n_regions`` equal-width unit regions of ``[0, 1]`` (URA).

    Parameters
    ----------
    n_regions : int
        Number of regions ``N >= 1``.
    n_classes : int or None, default=None
        ``None`` gives one set of edges; an int ``C`` one row per category.
    device : torch.device or None, default=None
        Device of the result.
    check_input : bool, default=True
        Check ``n_regions`` and ``n_classes``.

    Returns
    -------
    torch.Tensor of shape (n_regions + 1,) or (n_classes, n_regions + 1)
        ``0 = e_0 < e_1 < ... < e_N = 1``.

    Examples
    --------
    >>> ghm_uniform_edges(4)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    >>> ghm_uniform_edges(2, n_classes=2)
    tensor([[0.0000, 0.5000, 1.0000],
            [0.0000, 0.5000, 1.0000]])
    """
    if check_input:
        check_scalar(n_regions, "n_regions", 1, None, integral=True, caller="ghm_uniform_edges")
        if n_classes is not None:
            check_scalar(n_classes, "n_classes", 0, None, integral=True,
                         caller="ghm_uniform_edges")
    edges = torch.linspace(0.0, 1.0, int(n_regions) + 1, device=device)
    return edges if n_classes is None else edges.expand(int(n_classes), -1).contiguous()


#: cross-entropy cap of ghm_cell_index: above every inner edge, since a float32
#: edge e < 1 maps to -log(1 - e) <= 16.7
_NLL_CAP = 32.0


def ghm_cell_bounds(edges):
    r"""Flat boundaries of all (category, region) cells on the cross-entropy scale.

    :math:`g = 1 - p_y = 1 - e^{-\ell}` increases with the cross-entropy
    :math:`\ell = -\log p_y`, so :math:`g \ge e_{c,i} \iff \ell \ge
    -\log(1 - e_{c,i})`. Category ``c``'s inner edges are mapped so and
    shifted by :math:`64 c`, followed by a separator :math:`64 c + 48`; a
    cross-entropy capped at 32 and shifted alike then lies above the
    boundaries of every earlier category and above exactly those of its own
    region's lower edges: :func:`ghm_cell_index` bins a whole batch with one
    ``bucketize`` (float64, exact for any realistic number of categories).

    Parameters
    ----------
    edges : torch.Tensor of shape (C, N + 1)
        Per-category region edges of the gradient norms, from 0 to 1.

    Returns
    -------
    bounds : torch.Tensor of shape (C * N,), dtype float64
        The shifted boundaries.
    offsets : torch.Tensor of shape (C,), dtype float64
        The shifts :math:`64 c`.

    Examples
    --------
    >>> import torch
    >>> bounds, offsets = ghm_cell_bounds(torch.tensor([[0.0, 0.5, 1.0], [0.0, 0.75, 1.0]]))
    >>> bounds  # log 2, separator, 64 + log 4, separator
    tensor([  0.6931,  48.0000,  65.3863, 112.0000], dtype=torch.float64)
    """
    offsets = 64.0 * torch.arange(edges.shape[0], device=edges.device, dtype=torch.float64)
    inner = torch.log1p(-edges[:, 1:-1].to(torch.float64)).neg_() + offsets[:, None]
    bounds = torch.cat([inner, (offsets + 48.0)[:, None]], dim=1).reshape(-1)
    return bounds, offsets


def ghm_cell_index(logits, target, cell_bounds):
    r"""Flat cell ``y * N + i`` of each example, from its cross-entropy.

    The same cells as ``ghm_region_index(gradient_norm(logits, target), edges,
    target) + N * target`` (see :func:`ghm_cell_bounds`), in five tensor
    operations and without host synchronisation: the loss module's batch
    loop.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores.
    target : torch.Tensor of shape (n,)
        Class indices.
    cell_bounds : tuple of torch.Tensor
        :func:`ghm_cell_bounds` of the per-category edges.

    Returns
    -------
    torch.Tensor of shape (n,), dtype int64
        Cells in ``[0, C * N)``; an example whose loss is not finite (NaN
        logits of a diverging fit) is put in its category's last region, so
        the index is never out of range (on CUDA an out-of-range ``put_`` is a
        device-side assert). The divergence itself is the training loop's
        error.

    Examples
    --------
    >>> import torch
    >>> cell_bounds = ghm_cell_bounds(torch.tensor([[0.0, 0.5, 1.0], [0.0, 0.75, 1.0]]))
    >>> logits = torch.tensor([[0.0, 0.0], [0.0, 0.0]])  # g = 0.5 for both
    >>> ghm_cell_index(logits, torch.tensor([0, 1]), cell_bounds).tolist()  # 0 * 2 + 1, 1 * 2 + 0
    [1, 2]
    """
    bounds, offsets = cell_bounds
    with torch.no_grad():
        nll = torch.nn.functional.cross_entropy(logits, target, reduction="none")
        # a non-finite loss (a diverging fit) goes to its category's last region,
        # as g = 1 would: NaN sorts past every boundary, into no cell at all
        nll = nll.nan_to_num_(nan=_NLL_CAP).clamp_(max=_NLL_CAP)
        shifted = offsets.index_select(0, target).add_(nll)
        return torch.bucketize(shifted, bounds, right=True)


def ghm_region_index(g, edges, target=None):
    r"""Index of the unit region holding each gradient norm.

    Region ``i`` is :math:`[e_i, e_{i+1})`; the last one also holds ``g = 1``.
    With per-category edges (one row per category) each example is binned
    with the edges of its own category, ``target`` (see also
    :func:`ghm_cell_index`).

    Parameters
    ----------
    g : torch.Tensor of shape (n,)
        Gradient norms in ``[0, 1]``.
    edges : torch.Tensor of shape (N + 1,) or (C, N + 1)
        Increasing region edges from 0 to 1, shared or per category.
    target : torch.Tensor of shape (n,) or None, default=None
        Category of each example; required with per-category edges.

    Returns
    -------
    torch.Tensor of shape (n,), dtype int64
        Region indices in ``[0, N)``; a NaN or infinite ``g`` falls in the last
        region (``-inf`` in the first), never out of range.

    Examples
    --------
    >>> import torch
    >>> ghm_region_index(torch.tensor([0.0, 0.25, 0.7, 1.0]), ghm_uniform_edges(4)).tolist()
    [0, 1, 2, 3]
    >>> edges = torch.tensor([[0.0, 0.5, 1.0], [0.0, 0.1, 1.0]])
    >>> ghm_region_index(torch.tensor([0.3, 0.3]), edges, torch.tensor([0, 1])).tolist()
    [0, 1]
    """
    if edges.ndim == 1:
        inner = edges.narrow(0, 1, edges.shape[0] - 2).contiguous()
        return torch.bucketize(g.contiguous(), inner, right=True)
    if target is None:
        raise ValueError("target is required with per-category edges.")
    # per example the inner edges of its category, (n, N - 1); the region is
    # the number of them <= g (searchsorted "right": half-open regions)
    rows = edges[:, 1:-1].index_select(0, target)
    return torch.searchsorted(rows, g.unsqueeze(1), right=True).squeeze(1)


def ghm_histogram(region, target, n_classes, n_regions, weight=None):
    r"""Category-wise histograms: number of examples of class c in region i.

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


def ghm_region_values(counts, widths):
    r"""Algorithm 1's region values: each example adds :math:`1 / (N d_{c,i})`.

    .. math:: v_{c,i} = \frac{n_{c,i}}{N\, d_{c,i}}

    with :math:`n_{c,i}` the examples of category ``c`` in region ``i`` and
    :math:`d_{c,i}` its width: the density of the gradient norms (as GHM's
    gradient density), the count itself for equal widths :math:`1/N`. A
    narrow region with the count of a wide one has the larger value.

    Parameters
    ----------
    counts : torch.Tensor of shape (C, N)
        Histograms (counts, or running averages of counts).
    widths : torch.Tensor of shape (N,) or (C, N)
        Region widths, each row summing to 1.

    Returns
    -------
    torch.Tensor of shape (C, N)

    Examples
    --------
    >>> import torch
    >>> ghm_region_values(torch.tensor([[2.0, 2.0]]), torch.tensor([0.25, 0.75]))
    tensor([[4.0000, 1.3333]])
    """
    return counts / (widths * widths.shape[-1])


def aura_widths(values, eps=1e-12):
    r"""New unit-region widths from the values counted over an epoch (AURA).

    The paper sets :math:`d_i \leftarrow 1 / \log v_i`, undefined for
    :math:`v_i \le 1` (sparse regions, where a density below one example per
    equal-width region is common). The safe monotone form used here is

    .. math:: d_i \propto \frac{1}{\log(e + v_i)}, \qquad \sum_i d_i = 1,

    finite and positive for every :math:`v_i \ge 0`, decreasing in
    :math:`v_i` (narrow regions where examples are dense, wide where they are
    sparse), equal to the paper's form asymptotically, and the same for all
    regions (equal widths) when the values are equal. Rows (categories) are
    independent.

    Parameters
    ----------
    values : torch.Tensor of shape (N,) or (C, N)
        Non-negative values of an epoch (:func:`ghm_region_values`).
    eps : float, default=1e-12
        Guard of the normalisation.

    Returns
    -------
    torch.Tensor of the shape of ``values``
        Positive widths, each row summing to 1.

    Examples
    --------
    >>> import torch, math
    >>> aura_widths(torch.tensor([0.0, math.e ** 2 - math.e]))  # 1/1 : 1/2
    tensor([0.6667, 0.3333])
    """
    inv = 1.0 / torch.log(math.e + values.clamp_min(0.0))
    return inv / inv.sum(dim=-1, keepdim=True).clamp_min(eps)


def aura_edges(widths):
    """Region edges ``[0, d_0, d_0 + d_1, ..., 1]`` from widths summing to 1.

    Parameters
    ----------
    widths : torch.Tensor of shape (N,) or (C, N)
        Positive widths (one row per category).

    Returns
    -------
    torch.Tensor of shape (N + 1,) or (C, N + 1)
        Increasing edges; the last one is exactly 1.

    Examples
    --------
    >>> import torch
    >>> aura_edges(torch.tensor([0.25, 0.75]))
    tensor([0.0000, 0.2500, 1.0000])
    """
    zero = widths.new_zeros(widths.shape[:-1] + (1,))
    edges = torch.cat([zero, torch.cumsum(widths, dim=-1)], dim=-1)
    edges = edges / edges[..., -1:].clamp_min(torch.finfo(edges.dtype).tiny)
    # exactly 1 at the end, without a host-to-device copy (``edges[..., -1] = 1``)
    return torch.cat([edges[..., :-1], torch.ones_like(zero)], dim=-1)


def ghm_rebin(counts, old_edges, new_edges):
    r"""Move histograms to new region edges, assuming uniform density in a region.

    The cumulative count of each category is interpolated linearly between
    its old edges and differenced at its new ones, so each category keeps
    its total, and a density that was uniform over an old region stays the
    same in the new regions inside it. Used when AURA moves the edges.

    Parameters
    ----------
    counts : torch.Tensor of shape (C, N)
        Histograms over the old regions.
    old_edges, new_edges : torch.Tensor of shape (N + 1,) or (C, N + 1)
        Edges from 0 to 1, shared or one row per category.

    Returns
    -------
    torch.Tensor of shape (C, N)

    Examples
    --------
    >>> import torch
    >>> ghm_rebin(torch.tensor([[4.0, 0.0]]), torch.tensor([0.0, 0.5, 1.0]),
    ...           torch.tensor([0.0, 0.25, 1.0]))
    tensor([[2., 2.]])
    """
    n_classes, n_regions = counts.shape
    old_edges = old_edges.expand(n_classes, n_regions + 1).contiguous()
    new_edges = new_edges.expand(n_classes, n_regions + 1).contiguous()
    cdf = torch.cat([counts.new_zeros(n_classes, 1), counts.cumsum(dim=-1)], dim=-1)
    j = torch.searchsorted(old_edges, new_edges, right=True).sub_(1).clamp_(0, n_regions - 1)
    left = old_edges.gather(1, j)
    width = (old_edges.gather(1, j + 1) - left).clamp_min(torch.finfo(old_edges.dtype).tiny)
    frac = ((new_edges - left) / width).clamp_(0.0, 1.0)
    at_new = cdf.gather(1, j) + frac * counts.gather(1, j)
    return torch.diff(at_new, dim=-1).clamp_min_(0.0)
