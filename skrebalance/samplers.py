"""Device-resident batch iteration and weighted sampling (pure torch).

Tabular nets are small, so the per-item ``Dataset.__getitem__`` plus collation
of a torch ``DataLoader`` dominates their training time. Here the data sit on
the device as two tensors and every batch is one indexing operation.
"""

import torch

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


class DeviceBatchIterator:
    """Iterate over ``(X[idx], y[idx])`` batches of tensors already on the device.

    Parameters
    ----------
    X : torch.Tensor of shape (n, ...)
        Inputs.
    y : torch.Tensor of shape (n,) or None
        Targets; ``None`` at prediction time.
    batch_size : int
        Rows per batch.
    index_fn : callable or None, default=None
        Called once per pass (each epoch); returns the row indices to visit,
        in order (a permutation, a subset, or weighted draws). ``None`` visits
        the rows in order, as for prediction.

    Examples
    --------
    >>> import torch
    >>> it = DeviceBatchIterator(torch.arange(5.0).view(5, 1), None, batch_size=2)
    >>> [xb.shape[0] for xb, _ in it]
    [2, 2, 1]
    """

    def __init__(self, X, y, batch_size, index_fn=None):
        self.X = X
        self.y = y
        self.batch_size = int(batch_size)
        self.index_fn = index_fn

    def __len__(self):
        n = self.X.shape[0] if self.index_fn is None else self._n_visits
        return -(-n // self.batch_size)

    @property
    def _n_visits(self):
        return getattr(self, "_last_n", self.X.shape[0])

    def __iter__(self):
        bs = self.batch_size
        if self.index_fn is None:
            for start in range(0, self.X.shape[0], bs):
                yield self.X[start : start + bs], _slice(self.y, start, bs)
            return
        order = self.index_fn()
        self._last_n = order.shape[0]
        # gather a chunk of batches at once, then slice views out of it: one
        # indexing call per ``chunk`` rows instead of two per batch, and the
        # same batches in the same order.
        chunk = bs * max(1, GATHER_ROWS // bs)
        for begin in range(0, order.shape[0], chunk):
            rows = order[begin : begin + chunk]
            X_chunk = self.X[rows]
            y_chunk = None if self.y is None else self.y[rows]
            for start in range(0, rows.shape[0], bs):
                yield X_chunk[start : start + bs], _slice(y_chunk, start, bs)


def _slice(y, start, size):
    return None if y is None else y[start : start + size]
