"""Device-resident samplers and batch iteration (pure torch).

Tabular nets are small, so the per-item ``Dataset.__getitem__`` plus collation
of a torch ``DataLoader`` dominates their training time. Here the data sit on
the device as tensors and every batch is one indexing operation. A sampler
gives the row order of one epoch as one index tensor on the device, and
:class:`DeviceBatchIterator` takes a sampler as a ``DataLoader`` does.
"""

import torch

__all__ = [
    "DeviceBatch",
    "DeviceBatchIterator",
    "DeviceWeightedSampler",
    "IndexSampler",
    "weighted_draw",
]

#: rows gathered per indexing call when iterating in a given order
GATHER_ROWS = 16384


def weighted_draw(weights, num_samples, generator=None):
    """Draw ``num_samples`` indices with replacement, proportionally to ``weights``.

    Inverse-CDF sampling on the weights' device: no host copy, no limit on the
    number of categories (``torch.multinomial`` allows at most 2**24).

    Parameters
    ----------
    weights : torch.Tensor of shape (n,)
        Non-negative weights with a positive sum; they need not be normalised.
    num_samples : int
        Number of draws.
    generator : torch.Generator or None, default=None
        Source of randomness (on the weights' device); ``None`` uses torch's
        global generator.

    Returns
    -------
    torch.Tensor of shape (num_samples,), dtype int64
        Indices into ``weights``.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> idx = weighted_draw(torch.tensor([0.0, 1.0, 0.0]), 4)
    >>> idx.tolist()
    [1, 1, 1, 1]
    """
    cdf = torch.cumsum(weights.to(torch.float64), dim=0)
    u = torch.rand(
        num_samples, device=weights.device, dtype=torch.float64, generator=generator
    )
    u *= cdf[-1]
    # right=True: a draw never lands on a zero-weight index.
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp_(max=weights.shape[0] - 1)


class DeviceWeightedSampler:
    r"""Row order of one epoch, as an index tensor on the device.

    Without ``weights`` an epoch visits ``rows`` (default: all ``n_rows``
    rows) once each, shuffled (or in order with ``shuffle=False``). With
    ``weights`` it draws ``len(rows)`` rows with replacement, row :math:`i`
    with probability :math:`w_i / \sum_{j \in \text{rows}} w_j`
    (:func:`weighted_draw`). The owner (a strategy) updates ``weights`` in
    place between epochs with :meth:`set_weights`; every epoch's
    :meth:`sample` reads the current values, so the iterator built once per
    fit follows them.

    Parameters
    ----------
    n_rows : int
        Number of rows of the data set the indices refer to.
    weights : torch.Tensor of shape (n_rows,) or None, default=None
        Non-negative sampling weights (copied).
    rows : torch.Tensor of int64 or None, default=None
        The rows an epoch draws from (e.g. all but a held-out set); ``None``
        for all.
    shuffle : bool, default=True
        Without weights: shuffle the rows every epoch.

    Attributes
    ----------
    weights : torch.Tensor or None
        The sampling weights in use.
    rows : torch.Tensor or None
        The rows drawn from.

    Examples
    --------
    >>> import torch
    >>> sampler = DeviceWeightedSampler(4, weights=torch.tensor([0.0, 1.0, 0.0, 0.0]))
    >>> sampler.sample().tolist()
    [1, 1, 1, 1]
    >>> _ = sampler.set_weights(torch.tensor([0.0, 0.0, 0.0, 1.0]))
    >>> sampler.sample().tolist()
    [3, 3, 3, 3]
    >>> sorted(DeviceWeightedSampler(3).sample().tolist())
    [0, 1, 2]
    """

    def __init__(self, n_rows, weights=None, rows=None, shuffle=True):
        self.n_rows = int(n_rows)
        self.weights = None
        self.rows = rows
        self.shuffle = bool(shuffle)
        self.set_weights(weights)

    @torch.no_grad()
    def set_weights(self, weights):
        """Set the sampling weights, in place when the shape is unchanged.

        Parameters
        ----------
        weights : torch.Tensor of shape (n_rows,) or None
            New weights (copied, never aliased); ``None`` goes back to a
            shuffle.

        Returns
        -------
        self : DeviceWeightedSampler
        """
        if weights is None:
            self.weights = None
        elif weights.shape != (self.n_rows,):
            raise ValueError(
                f"weights must have shape ({self.n_rows},), got {tuple(weights.shape)}."
            )
        elif self.weights is not None and self.weights.shape == weights.shape:
            self.weights.copy_(weights)
        else:
            self.weights = weights.detach().clone()
        return self

    def __len__(self):
        return self.n_rows if self.rows is None else int(self.rows.shape[0])

    def sample(self, generator=None, device=None):
        """Return the row indices of one epoch (int64, on the data's device).

        Parameters
        ----------
        generator : torch.Generator or None, default=None
            Source of randomness (``None``: torch's global generator).
        device : torch.device or None, default=None
            Where to build the indices when the sampler holds no tensor.
        """
        rows = self.rows
        n = len(self)
        if self.weights is not None:
            weights = self.weights if rows is None else self.weights[rows]
            order = weighted_draw(weights, n, generator=generator)
        else:
            if device is None:
                device = rows.device if rows is not None else None
            if self.shuffle:
                order = torch.randperm(n, device=device, generator=generator)
            else:
                order = torch.arange(n, device=device)
        return order if rows is None else rows[order]

    def state_dict(self):
        """The sampler's state: a dict of its tensors (``None`` when unset)."""
        return {"n_rows": self.n_rows, "weights": self.weights, "rows": self.rows,
                "shuffle": self.shuffle}

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s output; returns ``self``."""
        self.n_rows, self.shuffle = int(state["n_rows"]), bool(state["shuffle"])
        self.weights, self.rows = state["weights"], state["rows"]
        return self


class IndexSampler:
    """Adapter for a host sampler (e.g. torch's ``WeightedRandomSampler``).

    Each epoch, the indices that ``sampler`` yields are gathered into one
    tensor and moved to the device in one copy.

    Parameters
    ----------
    sampler : iterable of int
        A torch ``Sampler`` or any re-iterable of row indices.

    Examples
    --------
    >>> from torch.utils.data import SequentialSampler
    >>> IndexSampler(SequentialSampler(range(3))).sample().tolist()
    [0, 1, 2]
    """

    def __init__(self, sampler):
        self.sampler = sampler

    def __len__(self):
        return len(self.sampler)

    def sample(self, generator=None, device=None):
        """Return this epoch's indices of the host sampler as a device tensor."""
        return torch.as_tensor(list(iter(self.sampler)), dtype=torch.int64, device=device)


class DeviceBatch(tuple):
    """A batch ``(X, y)`` that also carries its rows' ``sample_weight`` and ``index``.

    A 2-tuple, so skorch's ``unpack_data`` and callbacks read it as any
    batch; ``sample_weight`` (or ``None``) and ``index`` (the rows' positions
    in the iterated data set, int64 on the device) are attributes.
    """

    def __new__(cls, X, y, sample_weight=None, index=None):
        batch = super().__new__(cls, (X, y))
        batch.sample_weight = sample_weight
        batch.index = index
        return batch


class DeviceBatchIterator:
    """Iterate over batches of tensors already on the device.

    Parameters
    ----------
    X : torch.Tensor of shape (n, ...)
        Inputs.
    y : torch.Tensor of shape (n,) or None
        Targets; ``None`` at prediction time.
    batch_size : int
        Rows per batch.
    sampler : DeviceWeightedSampler, IndexSampler or None, default=None
        Gives the rows of each pass (each epoch) through its ``sample``
        method, called once per pass: a permutation, a subset, or weighted
        draws. ``None`` visits the rows in order, as for prediction.
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Per-row weights; each batch carries its rows' share.
    drop_last : bool, default=False
        Drop the last batch when it is smaller than ``batch_size``.
    generator : torch.Generator or None, default=None
        Passed to the sampler.

    Examples
    --------
    >>> import torch
    >>> it = DeviceBatchIterator(torch.arange(5.0).view(5, 1), None, batch_size=2)
    >>> [xb.shape[0] for xb, _ in it]
    [2, 2, 1]
    >>> it = DeviceBatchIterator(torch.arange(5.0).view(5, 1), torch.arange(5), 2,
    ...                          sampler=DeviceWeightedSampler(5, rows=torch.tensor([4, 0])))
    >>> [sorted(b.index.tolist()) for b in it]  # one batch of rows 0 and 4, shuffled
    [[0, 4]]
    """

    def __init__(self, X, y, batch_size, sampler=None, sample_weight=None, drop_last=False,
                 generator=None):
        self.X = X
        self.y = y
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size!r}.")
        self.sampler = sampler
        self.sample_weight = sample_weight
        self.drop_last = bool(drop_last)
        self.generator = generator

    def __len__(self):
        n = self.X.shape[0] if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        bs = self.batch_size
        if self.sampler is None:
            n = self.X.shape[0]
            stop = n - n % bs if self.drop_last else n
            for start in range(0, stop, bs):
                index = torch.arange(start, min(start + bs, n), device=self.X.device)
                yield DeviceBatch(self.X[start : start + bs], _slice(self.y, start, bs),
                                  _slice(self.sample_weight, start, bs), index)
            return
        order = self.sampler.sample(self.generator, device=self.X.device)
        if self.drop_last:
            order = order[: order.shape[0] - order.shape[0] % bs]
        # gather a chunk of batches at once, then slice views out of it: one
        # indexing call per ``chunk`` rows instead of two per batch, and the
        # same batches in the same order.
        chunk = bs * max(1, GATHER_ROWS // bs)
        for begin in range(0, order.shape[0], chunk):
            rows = order[begin : begin + chunk]
            X_chunk = self.X[rows]
            y_chunk = None if self.y is None else self.y[rows]
            w_chunk = None if self.sample_weight is None else self.sample_weight[rows]
            for start in range(0, rows.shape[0], bs):
                yield DeviceBatch(X_chunk[start : start + bs], _slice(y_chunk, start, bs),
                                  _slice(w_chunk, start, bs), rows[start : start + bs])


def _slice(y, start, size):
    return None if y is None else y[start : start + size]
