"""GHM-CWAP loss module: category-wise gradient histograms kept in buffers."""

import torch
from torch import nn

from ..functional import (
    aura_edges,
    aura_widths,
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_histogram,
    ghm_normalize_weights,
    ghm_rebin,
    ghm_region_index,
    ghm_uniform_edges,
    gradient_norm,
)
from ..functional._ghm import _cell_weights, _powered
from ..functional._reduction import check_reduction

_ACCUMULATE = ("batch", "epoch")
_NORMALIZE = ("class", "batch")


class GHMCWAPLoss(nn.Module):
    r"""GHM-CWAP loss with its histogram state (Zhang et al., 2022).

    For an example of class :math:`m` with gradient norm in region :math:`i`

    .. math::

        \ell = - w \log \frac{e^{z_m}}{\sum_n e^{z_n + M_{m,n}}}, \qquad
        w \propto W_{m,i} = \frac{S_m}{v_{m,i}^{\alpha}}, \qquad
        M_{m,n} = \gamma \log \min\Big(1, \frac{S_n}{S_m}\Big),

        S_c = \sum_i v_{c,i}^{\alpha}

    (see :mod:`skrebalance.functional._ghm` for each formula). The weights
    ``w`` are normalised to mean 1 (per class or over the batch, see
    ``normalize``) and clamped at ``max_weight``.

    State, in buffers (they follow ``.to(device)`` and ``state_dict``):

    - ``edges`` (N + 1,): region edges; ``widths`` (N,);
    - ``counts`` (C, N): the histograms :math:`v_{c,i}` in use. With
      ``accumulate="batch"`` an exponential moving average of the per-batch
      histograms, updated in ``forward`` in training mode, read with bias
      correction :math:`\hat v = v / (1 - \mu^t)` (``t`` = ``steps``); with
      ``accumulate="epoch"`` the histogram of the whole training set set by
      :meth:`set_counts` (the strategy scores the training set after each
      epoch);
    - ``aura_values`` (N,): AURA's per-epoch values, each training example
      adding :math:`1 / (N d_i)` to its region; :meth:`end_epoch` turns them
      into new widths.

    The per-batch update runs under ``torch.no_grad()`` with tensor operations
    only (no host synchronisation). In eval mode (validation) the state is
    read, not updated.

    Parameters
    ----------
    n_classes : int, default=0
        Number of classes; :meth:`reset_state` sets it from the data.
    n_regions : int, default=30
        Number of unit regions ``N``.
    alpha : float, default=0.9
        Exponent of the effective sizes, in ``[0, 1]``.
    gamma : float, default=0.8
        Margin strength; 0 disables the inter-category margins.
    intra : bool, default=True
        Whether to apply the intra-category weights (``False``: all 1).
    adaptive : bool, default=True
        AURA (``True``) or equal-width regions, URA (``False``).
    accumulate : {"batch", "epoch"}, default="batch"
        How the histograms are gathered (see above).
    momentum : float, default=0.9
        EMA momentum :math:`\mu` in ``[0, 1)`` for ``accumulate="batch"``;
        0 uses each batch's own histogram (GHM-C without momentum).
    max_weight : float, default=3.0
        Clamp of the normalised example weights.
    normalize : {"batch", "class"}, default="batch"
        Scale the weights to mean 1 over each class's examples in the batch
        (the weights then only act within a class) or over the whole batch
        (eq. 1 as written: classes with larger ``S_c`` weigh more).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` divides the weighted sum by the batch size.

    References
    ----------
    .. [1] R. Zhang, T. Lin, R. Zhang, Y. Xu, "Solving the long-tailed problem
       via intra- and inter-category balance", arXiv:2204.09234, 2022.
    .. [2] B. Li, Y. Liu, X. Wang, "Gradient Harmonized Single-stage Detector",
       AAAI 2019.

    Examples
    --------
    >>> import torch
    >>> loss = GHMCWAPLoss(n_classes=3, n_regions=10)
    >>> logits, target = torch.zeros(4, 3), torch.tensor([0, 0, 1, 2])
    >>> value = loss(logits, target)  # updates the running histograms
    >>> round(loss.histograms().sum().item(), 4)  # bias-corrected running counts
    4.0
    >>> loss.effective_sizes().shape
    torch.Size([3])
    """

    def __init__(
        self,
        n_classes=0,
        n_regions=30,
        alpha=0.9,
        gamma=0.8,
        intra=True,
        adaptive=True,
        accumulate="batch",
        momentum=0.9,
        max_weight=3.0,
        normalize="batch",
        reduction="mean",
    ):
        super().__init__()
        check_reduction(reduction)
        if accumulate not in _ACCUMULATE:
            raise ValueError(f"accumulate must be one of {_ACCUMULATE}, got {accumulate!r}.")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}.")
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {alpha!r}.")
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma!r}.")
        if normalize not in _NORMALIZE:
            raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}.")
        if not max_weight > 0:
            raise ValueError(f"max_weight must be > 0, got {max_weight!r}.")
        if int(n_regions) < 1:
            raise ValueError(f"n_regions must be >= 1, got {n_regions!r}.")
        self.n_regions = int(n_regions)
        self.alpha = float(alpha)
        self.gamma = float(gamma)
        self.intra = bool(intra)
        self.adaptive = bool(adaptive)
        self.accumulate = accumulate
        self.momentum = float(momentum)
        self.max_weight = float(max_weight)
        self.normalize = normalize
        self.reduction = reduction
        edges = ghm_uniform_edges(self.n_regions)
        self.register_buffer("edges", edges)
        self.register_buffer("widths", torch.diff(edges))
        self.register_buffer("counts", torch.zeros(int(n_classes), self.n_regions))
        self.register_buffer("steps", torch.zeros(()))
        self.register_buffer("aura_values", torch.zeros(self.n_regions))

    @property
    def n_classes(self):
        """int : number of classes of the histograms."""
        return self.counts.shape[0]

    def reset_state(self, n_classes):
        """Equal-width regions and empty histograms for ``n_classes`` classes."""
        device = self.edges.device
        self.edges = ghm_uniform_edges(self.n_regions, device=device)
        self.widths = torch.diff(self.edges)
        self.counts = torch.zeros(int(n_classes), self.n_regions, device=device)
        self.steps = torch.zeros((), device=device)
        self.aura_values = torch.zeros(self.n_regions, device=device)
        return self

    # ------------------------------------------------------------------
    # reading the state

    def _state(self):
        # (bias-corrected histograms, count of one example on their scale)
        if self.accumulate == "epoch" or self.momentum == 0:
            return self.counts, torch.ones((), device=self.counts.device)
        # bias 1 - mu^t, at least 1 - mu (its value after one batch; t = 0 has no counts)
        bias = (1.0 - torch.pow(torch.full_like(self.steps, self.momentum), self.steps))
        bias = bias.clamp_min(1.0 - self.momentum)
        return self.counts / bias, (1.0 - self.momentum) / bias

    def histograms(self):
        r"""Return the histograms :math:`v_{c,i}` in use (bias-corrected), (C, N)."""
        return self._state()[0]

    def effective_sizes(self):
        r"""Return the per-class effective sizes :math:`S_c`, shape (C,)."""
        hist, unit = self._state()
        return ghm_effective_sizes(hist, self.alpha, unit)

    def margins(self):
        r"""Return the margins :math:`M` of the current state, shape (C, C)."""
        return ghm_cwap_margins(self.effective_sizes(), self.gamma)

    # ------------------------------------------------------------------
    # updating the state

    @torch.no_grad()
    def set_counts(self, logits, target):
        """Replace the histograms by those of ``logits``/``target`` (epoch mode)."""
        region = ghm_region_index(gradient_norm(logits, target), self.edges)
        self.counts = ghm_histogram(region, target, self.n_classes, self.n_regions)
        self.steps.fill_(1.0)
        return self

    def _update(self, counts, region, cell, like):
        # (under no_grad) ``cell`` = target * N + region; ``like``: any (n,) float tensor
        if self.adaptive:
            self.aura_values.index_add_(0, region, self._aura_step().index_select(0, region))
        if self.accumulate == "batch":
            # EMA v <- mu v + (1 - mu) h, the batch histogram h added in place
            # (``ghm_histogram`` without its (C, N) temporary)
            counts.mul_(self.momentum).view(-1).index_add_(
                0, cell, torch.ones_like(like), alpha=1.0 - self.momentum
            )
            self.steps.add_(1.0)

    def _aura_step(self):
        # 1 / (N d_i), what an example adds to its region's AURA value; cached
        # while ``widths`` is the same tensor, unmodified (its version counter)
        widths = self.widths
        cache = self.__dict__.get("_aura_cache")
        if cache is None or cache[0] is not widths or cache[1] != widths._version:
            step = widths.mul(self.n_regions).reciprocal_()
            cache = self.__dict__["_aura_cache"] = (widths, widths._version, step)
        return cache[2]

    @torch.no_grad()
    def end_epoch(self):
        """End of an epoch: AURA re-assigns the region widths, values reset.

        Running histograms are moved to the new regions with
        :func:`~skrebalance.functional.ghm_rebin`. Does nothing with
        ``adaptive=False``; gives equal widths when no example was counted.

        Returns
        -------
        bool
            Whether AURA ran (``adaptive``).
        """
        if not self.adaptive:
            return False
        values = self.aura_values
        # no host sync: keep the old widths when nothing was counted
        counted = values.sum() > 0
        widths = torch.where(counted, aura_widths(values), self.widths)
        edges = aura_edges(widths)
        self.counts = ghm_rebin(self.counts, self.edges, edges)
        self.widths, self.edges = widths, edges
        self.aura_values.zero_()
        return True

    # ------------------------------------------------------------------

    def forward(self, logits, target):
        """Return the loss of ``logits`` (n, C) against class indices ``target``.

        In training mode the batch first updates the running state.
        """
        counts = self.counts
        n_classes, n_regions = counts.shape
        if n_classes != logits.shape[-1]:
            raise ValueError(
                f"GHMCWAPLoss holds histograms for {n_classes} classes, got "
                f"logits for {logits.shape[-1]}; call reset_state(n_classes)."
            )
        reduction = self.reduction
        with torch.no_grad():
            g = gradient_norm(logits, target)
            region = ghm_region_index(g, self.edges)
            cell = region.add(target, alpha=n_regions)  # flat index y * N + i
            if self.training:
                self._update(counts, region, cell, g)
            weight = None
            # Eq. 1 and 2 from the raw (not bias-corrected) counts: dividing all
            # v_{c,i} and the one-example count by the same 1 - mu^t scales S_c
            # and max(v, s)^alpha alike, which cancels in W = S / v^alpha and in
            # S_n / S_m, so the correction is left out of the batch loop.
            floor = self._unit() ** self.alpha  # effective size of one example
            powered = _powered(counts, self.alpha)
            sizes = powered.sum(dim=-1).clamp_min_(floor)
            if self.intra:
                # mean 1/n with reduction "mean": sum_j w_j l_j, no division in the graph
                mean = 1.0
                if reduction == "mean":
                    mean, reduction = 1.0 / target.shape[0], "sum"
                weight = ghm_normalize_weights(
                    _cell_weights(powered, sizes, floor, target, cell), self.max_weight,
                    target if self.normalize == "class" else None, n_classes, mean,
                )
            margins = ghm_cwap_margins(sizes, self.gamma) if self.gamma > 0 else None
        return ghm_cwap_loss(logits, target, margins, weight, reduction=reduction)

    def _unit(self):
        # count of one example on the scale of the raw counts (EMA: 1 - mu)
        if self.accumulate == "epoch" or self.momentum == 0:
            return 1.0
        return 1.0 - self.momentum

    def extra_repr(self):
        return (
            f"n_classes={self.n_classes}, n_regions={self.n_regions}, alpha={self.alpha}, "
            f"gamma={self.gamma}, intra={self.intra}, adaptive={self.adaptive}, "
            f"accumulate={self.accumulate!r}, momentum={self.momentum}, "
            f"max_weight={self.max_weight}, normalize={self.normalize!r}"
        )
