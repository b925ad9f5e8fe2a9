"""GHM-CWAP loss module: per-category gradient histograms (AURA) kept in buffers."""

import torch
from torch import nn

from ..functional import (
    aura_edges,
    aura_widths,
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_cell_bounds,
    ghm_cell_index,
    ghm_histogram,
    ghm_normalize_weights,
    ghm_rebin,
    ghm_region_values,
    ghm_uniform_edges,
)
from ..functional._reduction import check_reduction
from ..functional._validation import check_options, check_scalar
from ._tensor_cache import DerivedTensorCache, capturing


class GHMCWAPLoss(DerivedTensorCache, nn.Module):
    r"""GHM-CWAP loss with its per-category histograms (Zhang et al., 2022).

    For an example of class :math:`m` whose gradient norm
    :math:`g = 1 - p_m` falls in region :math:`i` of its class's histogram

    .. math::

        \ell = - w \log \frac{e^{z_m}}{\sum_n e^{z_n + M_{m,n}}}, \qquad
        w \propto W_{m,i} = \frac{S_m}{v_{m,i}^{\alpha}}, \qquad
        M_{m,n} = \gamma \log \min\Big(1, \frac{S_n}{S_m}\Big),

        S_c = \sum_i v_{c,i}^{\alpha}, \qquad
        v_{c,i} = \frac{n_{c,i}}{N d_{c,i}}

    with Algorithm 1's region values :math:`v_{c,i}` (each example adds
    :math:`1/(N d_{c,i})`; :math:`n_{c,i}` examples of class :math:`c` in its
    region :math:`i` of width :math:`d_{c,i}`), one histogram per class with
    its own widths (see :mod:`skrebalance.functional._ghm_regions` and
    :mod:`skrebalance.functional._ghm`). The weights ``w`` are normalised to
    mean 1 over the examples of the histogram they come from (per class or
    over all, ``normalize``; once per histogram, not per batch) and clamped
    at ``max_weight``.

    State, in buffers (they follow ``.to(device)`` and ``state_dict``):

    - ``edges`` (C, N + 1), ``widths`` (C, N): each class's regions;
    - ``epoch_counts`` (C, N): the examples of the current epoch, counted in
      ``forward`` in training mode on the current regions (Algorithm 1's
      per-epoch count); :meth:`end_epoch` turns them into new widths (AURA)
      and, with ``accumulate="epoch"``, into the histogram of the next epoch;
    - ``counts`` (C, N): the histogram in use. ``accumulate="epoch"``: the
      last complete epoch's counts, moved onto the new regions (or those set
      by :meth:`set_counts`; before either, the current epoch's running
      counts). ``accumulate="batch"``: an exponential moving average of the
      per-batch counts, read with bias correction
      :math:`\hat n = n / (1 - \mu^t)` (``t`` = ``steps``).

    All updates run under ``torch.no_grad()`` with tensor operations only (no
    host synchronisation), in place (a captured CUDA-graph training step
    reads the buffers' memory; only :meth:`reset_state` replaces them, when
    the number of classes changes). In eval mode (validation) the state is read, not
    updated. Per-row ``sample_weight`` multiplies the normalised weights; it
    does not change the counts.

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
    accumulate : {"epoch", "batch"}, default="epoch"
        Histogram in use: the last epoch's counts (Algorithm 1) or a per-batch
        moving average (see above).
    momentum : float, default=0.9
        EMA momentum :math:`\mu` in ``[0, 1)`` for ``accumulate="batch"``;
        0 uses each batch's own histogram (GHM-C without momentum).
    max_weight : float or None, default=3.0
        Clamp of the normalised example weights (not in the paper); ``None``
        does not clamp.
    normalize : {"class", "all"}, default="class"
        Scale the weights to mean 1 over each class's examples of the
        histogram (the weights then only act within a class) or over all of
        them (eq. 1 literally: classes with larger ``S_c`` weigh more).
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
    >>> value = loss(logits, target)  # counts the batch
    >>> loss.epoch_counts.sum().item()
    4.0
    >>> loss.end_epoch()  # AURA: new widths per class
    True
    >>> loss.histograms().sum(1)  # the epoch's counts per class, in use now
    tensor([2., 1., 1.])
    """

    def __init__(
        self,
        n_classes=0,
        n_regions=30,
        alpha=0.9,
        gamma=0.8,
        intra=True,
        adaptive=True,
        accumulate="epoch",
        momentum=0.9,
        max_weight=3.0,
        normalize="class",
        reduction="mean",
    ):
        super().__init__()
        caller = type(self).__name__
        check_reduction(reduction, caller)
        check_options(accumulate, "accumulate", ("batch", "epoch"), caller)
        check_options(normalize, "normalize", ("class", "all"), caller)
        check_scalar(momentum, "momentum", 0, 1, closed="left", caller=caller)
        check_scalar(alpha, "alpha", 0, 1, caller=caller)
        check_scalar(gamma, "gamma", 0, None, caller=caller)
        check_scalar(n_regions, "n_regions", 1, None, integral=True, caller=caller)
        if max_weight is not None:
            check_scalar(max_weight, "max_weight", 0, None, closed="neither", caller=caller)
        self.n_regions = int(n_regions)
        self.alpha = float(alpha)
        self.gamma = float(gamma)
        self.intra = bool(intra)
        self.adaptive = bool(adaptive)
        self.accumulate = accumulate
        self.momentum = float(momentum)
        self.max_weight = None if max_weight is None else float(max_weight)
        self.normalize = normalize
        self.reduction = reduction
        for name in ("edges", "widths", "counts", "epoch_counts", "steps"):
            self.register_buffer(name, None)
        self.reset_state(int(n_classes))

    @property
    def n_classes(self):
        """int : number of classes of the histograms."""
        return self.counts.shape[0]

    def reset_state(self, n_classes):
        """Equal-width regions and empty histograms for ``n_classes`` classes."""
        device = self.counts.device if self.counts is not None else None
        shape = (int(n_classes), self.n_regions)
        self.edges = ghm_uniform_edges(self.n_regions, n_classes, device, check_input=False)
        self.widths = torch.diff(self.edges, dim=-1)
        self.counts = torch.zeros(shape, device=device)
        self.epoch_counts = torch.zeros(shape, device=device)
        self.steps = torch.zeros((), device=device)
        #: whether ``counts`` holds a complete histogram (epoch mode)
        self.histogram_ready = False
        self._cache = {}
        return self

    # ------------------------------------------------------------------
    # state that is not a tensor (the derived tensors: DerivedTensorCache)

    def get_extra_state(self):
        return {"histogram_ready": self.histogram_ready}

    def set_extra_state(self, state):
        self.histogram_ready = bool(state["histogram_ready"])
        self._cache = {}

    def _load_from_state_dict(self, *args, **kwargs):
        # the buffers are overwritten in place: derived tables are rebuilt
        super()._load_from_state_dict(*args, **kwargs)
        self._cache = {}

    # ------------------------------------------------------------------
    # reading the state

    def _raw(self):
        # (counts in use, count of one example on their scale); buffers are read
        # from ``_buffers``, faster than nn.Module's attribute lookup, per batch
        buffers = self._buffers
        if self.accumulate == "batch":
            return buffers["counts"], (1.0 - self.momentum) if self.momentum > 0 else 1.0
        return buffers["counts" if self.histogram_ready else "epoch_counts"], 1.0

    def _sizes_weights_margins(self, counts, unit):
        # Eq. 1 and 2 on Algorithm 1's values v = n / (N d). A region holds at
        # least one example (value unit / (N d)); S_c is at least the value of
        # one example in the class's widest region. With the raw EMA counts
        # (not bias-corrected) S_c and v^alpha scale alike, so W = S / v^alpha
        # and S_n / S_m are the same as with the corrected ones.
        values = ghm_region_values(counts, self.widths)
        one = ghm_region_values(torch.ones_like(counts) * unit, self.widths)
        sizes = ghm_effective_sizes(values, self.alpha, one.amin(dim=-1), check_input=False)
        table = None
        if self.intra:
            table = ghm_cwap_weight_table(values, self.alpha, one, sizes, check_input=False)
        margins = None
        if self.gamma > 0:
            margins = ghm_cwap_margins(sizes, self.gamma, check_input=False)
        return sizes, table, margins

    def _weight_table(self, counts, table):
        # mean 1 (per class or overall) over the examples of the histogram the
        # table comes from, then clamped: one (C * N,) lookup table per state
        n_classes, n_regions = counts.shape
        groups = None
        if self.normalize == "class":
            groups = torch.arange(n_classes * n_regions, device=counts.device) // n_regions
        return ghm_normalize_weights(table.reshape(-1), self.max_weight, groups, n_classes,
                                     counts=counts.reshape(-1), check_input=False)

    def _tables(self):
        # (flat normalised weight table or None, margins or None) of the state.
        # A complete epoch histogram changes only between epochs: its tables
        # are kept in one place and refreshed in place (refresh_tables), so a
        # captured training step reads the current ones without recomputing
        # them in every step.
        if self.accumulate == "epoch" and self.histogram_ready:
            store = self._cache.get("store")
            if store is None and not capturing():
                store = self.refresh_tables()
            if store is not None:
                return store
        return self._computed_tables()

    @torch.no_grad()
    def refresh_tables(self):
        """Recompute the weight table and margins of a complete epoch histogram, in place.

        Called when that histogram changes (:meth:`set_counts`,
        :meth:`end_epoch`); the tensors keep their identity, so what read
        them before (a captured CUDA graph) reads the new values.

        Returns
        -------
        tuple of (torch.Tensor or None, torch.Tensor or None)
            The flat weight table and the margins.
        """
        fresh = self._computed_tables()
        store = self._cache.get("store")
        if store is None or any((a is None) != (b is None) or (a is not None and a.shape != b.shape)
                                for a, b in zip(store, fresh)):
            store = self._cache["store"] = tuple(
                None if t is None else t.clone() for t in fresh)
        else:
            for target, value in zip(store, fresh):
                if target is not None:
                    target.copy_(value)
        return store

    def _computed_tables(self):
        counts, unit = self._raw()

        def build():
            _, table, margins = self._sizes_weights_margins(counts, unit)
            if table is not None:
                table = self._weight_table(counts, table)
            return table, margins

        return self._cached("tables", counts, self._buffers["widths"], build)

    def _bias(self):
        # EMA bias 1 - mu^t, at least 1 - mu (its value after one batch)
        mu = torch.full_like(self.steps, self.momentum)
        return (1.0 - torch.pow(mu, self.steps)).clamp_min(1.0 - self.momentum)

    def histograms(self):
        r"""Return the counts in use per (class, region), bias-corrected, (C, N)."""
        counts, _ = self._raw()
        if self.accumulate == "batch" and self.momentum > 0:
            return counts / self._bias()
        return counts

    def region_values(self):
        r"""Return Algorithm 1's values :math:`v_{c,i}` of :meth:`histograms`, (C, N)."""
        return ghm_region_values(self.histograms(), self.widths)

    def effective_sizes(self):
        r"""Return the per-class effective sizes :math:`S_c`, shape (C,)."""
        unit = 1.0
        if self.accumulate == "batch" and self.momentum > 0:
            unit = (1.0 - self.momentum) / self._bias()
        return self._sizes_weights_margins(self.histograms(), unit)[0]

    def margins(self):
        r"""Return the margins :math:`M` of the current state, shape (C, C)."""
        return ghm_cwap_margins(self.effective_sizes(), self.gamma, check_input=False)

    # ------------------------------------------------------------------
    # updating the state

    def _cells(self, logits, target):
        # flat cell y * N + i of each example (regions of g = 1 - p_y)
        edges = self._buffers["edges"]
        cell_bounds = self._cached("bounds", edges, edges, lambda: ghm_cell_bounds(edges))
        return ghm_cell_index(logits, target, cell_bounds)

    @torch.no_grad()
    def set_counts(self, logits, target):
        """Set the histogram in use to that of ``logits``/``target`` (epoch mode).

        The strategy calls it before the first epoch with the training set as
        scored by the initial model, so that the first epoch has weights and
        margins from a complete histogram.
        """
        if self.accumulate != "epoch":
            raise ValueError("set_counts needs accumulate='epoch'.")
        cell = self._cells(logits, target)
        n_classes, n_regions = self.counts.shape
        # flat cells: one "class" of C * N regions
        counts = ghm_histogram(cell, torch.zeros_like(cell), 1, n_classes * n_regions)
        self.counts.copy_(counts.view(n_classes, n_regions))
        self.histogram_ready = True
        self.refresh_tables()
        return self

    def _count(self, cell):
        # (under no_grad) ``cell`` = target * N + region; ``ones`` is cached per
        # batch size (the cache is dropped when the module moves device)
        buffers = self._buffers
        ones = self._cache.get("ones")
        if ones is None or ones.shape[0] != cell.shape[0] or capturing():
            ones = torch.ones(cell.shape, dtype=buffers["counts"].dtype, device=cell.device)
            if not capturing():
                self._cache["ones"] = ones
        buffers["epoch_counts"].put_(cell, ones, accumulate=True)
        if self.accumulate == "batch":
            # EMA n <- mu n + (1 - mu) h with the batch histogram h, in place
            buffers["counts"].mul_(self.momentum).put_(cell, ones * (1.0 - self.momentum),
                                                       accumulate=True)
            buffers["steps"].add_(1.0)

    @torch.no_grad()
    def end_epoch(self):
        """End of an epoch: AURA re-assigns each class's widths, counts move on.

        AURA (``adaptive``): the epoch's values :math:`v_{c,i}` give the new
        widths :math:`d_{c,i} \\propto 1/\\log(e + v_{c,i})` of each class
        with counted examples (others keep theirs). The histogram in use
        becomes the epoch's counts (``accumulate="epoch"``) or keeps the moving
        average (``"batch"``), moved onto the new regions with
        :func:`~skrebalance.functional.ghm_rebin`. The epoch's counts reset.

        Returns
        -------
        bool
            Whether AURA ran (``adaptive``).
        """
        epoch, edges, widths = self.epoch_counts, self.edges, self.widths
        counted = epoch.sum(dim=-1, keepdim=True) > 0  # per class, no host sync
        if self.adaptive:
            new_widths = torch.where(counted, aura_widths(ghm_region_values(epoch, widths)),
                                     widths)
            new_edges = aura_edges(new_widths)
        else:
            new_widths, new_edges = widths, edges
        if self.accumulate == "epoch":
            kept = self.counts if self.histogram_ready else torch.zeros_like(epoch)
            counts = torch.where(counted, epoch, kept)
            self.histogram_ready = True
        else:
            counts = self.counts
        if self.adaptive:
            counts = ghm_rebin(counts, edges, new_edges)
        # in place: a captured training step reads these buffers' memory
        for buffer, value in ((self.counts, counts), (edges, new_edges), (widths, new_widths)):
            if value is not buffer:
                buffer.copy_(value)
        epoch.zero_()
        store = self._cache.get("store")
        self._cache = {} if store is None else {"store": store}
        if self.accumulate == "epoch":
            self.refresh_tables()
        return self.adaptive

    # ------------------------------------------------------------------

    def forward(self, logits, target, sample_weight=None):
        """Return the loss of ``logits`` (n, C) against class indices ``target``.

        In training mode the batch is first counted (see the class docstring).
        ``sample_weight`` (n,) multiplies the per-example losses.
        """
        n_classes = self._buffers["counts"].shape[0]
        if n_classes != logits.shape[-1]:
            raise ValueError(
                f"GHMCWAPLoss holds histograms for {n_classes} classes, got "
                f"logits for {logits.shape[-1]}; call reset_state(n_classes)."
            )
        reduction = self.reduction
        with torch.no_grad():
            cell = self._cells(logits, target)
            if self.training:
                self._count(cell)
            table, margins = self._tables()
            weight = None
            if table is not None:
                if reduction == "mean":  # sum_j (w_j / n) l_j: no division in the graph
                    reduction = "sum"
                    n = cell.shape[0]
                    hit = self._cache.get("per_row")
                    if hit is None or hit[0] is not table or hit[1] != n or capturing():
                        hit = (table, n, table / max(n, 1))
                        if not capturing():
                            self._cache["per_row"] = hit
                    table = hit[2]
                weight = table.index_select(0, cell)
            if sample_weight is not None:
                weight = sample_weight if weight is None else weight * sample_weight
        return ghm_cwap_loss(logits, target, margins, weight, reduction, check_input=False)

    def extra_repr(self):
        return (
            f"n_classes={self.n_classes}, n_regions={self.n_regions}, alpha={self.alpha}, "
            f"gamma={self.gamma}, intra={self.intra}, adaptive={self.adaptive}, "
            f"accumulate={self.accumulate!r}, momentum={self.momentum}, "
            f"max_weight={self.max_weight}, normalize={self.normalize!r}"
        )
