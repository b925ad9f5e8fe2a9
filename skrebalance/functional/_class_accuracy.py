"""Class accuracies pooled over successive measurements (CDB on small data)."""

import torch

from ._validation import as_vector, check_same_shape, check_scalar


def pooled_class_accuracy(hits, rows, pooled_hits=None, pooled_rows=None, min_rows=50,
                          check_input=True):
    r"""Class accuracies that rest on at least ``min_rows`` rows each.

    CDB (Sinha et al.) measures the accuracy :math:`A_c` of every class on a
    class-balanced difficulty set at every update. With :math:`n_c` rows of
    class :math:`c` in that set, :math:`A_c` moves in steps of
    :math:`1 / n_c`: a class of two rows has accuracy 0, 0.5 or 1, and the
    weights that follow from it jump from update to update. Here a class with
    fewer than :math:`R` = ``min_rows`` rows pools its hits :math:`h_c` and
    rows with those of earlier measurements, forgetting them at the rate
    :math:`m_c`:

    .. math::

        m_c = \max\Big(0,\ 1 - \frac{n_c}{R}\Big), \qquad
        H_c \leftarrow m_c H_c + h_c, \qquad
        N_c \leftarrow m_c N_c + n_c, \qquad
        A_c = \frac{H_c}{N_c}.

    :math:`N_c` grows to :math:`n_c / (1 - m_c) = R` rows: the accuracy is an
    exponentially weighted mean of the last (about) :math:`R / n_c`
    measurements, weighted by their rows (so the first measurement is not
    biased toward a starting value). A class with at least :math:`R` rows
    has :math:`m_c = 0`: its accuracy is the current measurement, the paper's
    estimate. ``min_rows=1`` turns pooling off for every class.

    Parameters
    ----------
    hits : torch.Tensor or array-like of shape (C,)
        Correctly classified rows :math:`h_c` of each class in this measurement.
    rows : torch.Tensor or array-like of shape (C,)
        Rows :math:`n_c` of each class in this measurement (``>= hits``).
    pooled_hits, pooled_rows : torch.Tensor of shape (C,) or None, default=None
        :math:`H_c` and :math:`N_c` returned by the previous call, or ``None``
        for the first measurement.
    min_rows : float, default=50
        :math:`R \ge 1`, the number of rows each accuracy should rest on (the
        IJCV paper's smallest difficulty set holds 50 rows per class).
    check_input : bool, default=True
        Check the arguments (host synchronisations); callers that already did
        (a strategy, once per epoch) pass ``False`` with float tensors on one
        device.

    Returns
    -------
    accuracy : torch.Tensor of shape (C,)
        :math:`A_c`; ``NaN`` for a class that has had no row yet
        (:math:`N_c = 0`).
    pooled_hits, pooled_rows : torch.Tensor of shape (C,)
        :math:`H_c` and :math:`N_c`, to pass to the next call.

    References
    ----------
    .. [1] S. Sinha, H. Ohashi, K. Nakamura, "Class-Difficulty Based Methods
       for Long-Tailed Visual Recognition", IJCV 130, 2022.

    Examples
    --------
    Two rows of class 0 (forgetting 1 - 2/10 = 0.8), ten of class 1 (none):

    >>> acc, H, N = pooled_class_accuracy([1, 8], [2, 10], min_rows=10)
    >>> acc
    tensor([0.5000, 0.8000], dtype=torch.float64)
    >>> acc, H, N = pooled_class_accuracy([2, 9], [2, 10], H, N, min_rows=10)
    >>> acc  # (0.8 * 1 + 2) / (0.8 * 2 + 2) = 2.8 / 3.6
    tensor([0.7778, 0.9000], dtype=torch.float64)
    """
    if check_input:
        caller = "pooled_class_accuracy"
        hits = as_vector(hits, "hits", caller)
        rows = as_vector(rows, "rows", caller).to(hits.dtype)
        check_scalar(min_rows, "min_rows", 1, None, caller=caller)
        check_same_shape(hits, rows, ("hits", "rows"), caller)
        if not bool(((hits >= 0) & (hits <= rows)).all()):  # also rejects NaN
            raise ValueError(f"{caller}: hits must lie in [0, rows].")
        if (pooled_hits is None) != (pooled_rows is None):
            raise ValueError(f"{caller}: give both pooled_hits and pooled_rows, or neither.")
        if pooled_hits is not None:
            pooled_hits = torch.as_tensor(pooled_hits, dtype=hits.dtype, device=hits.device)
            pooled_rows = torch.as_tensor(pooled_rows, dtype=hits.dtype, device=hits.device)
            if pooled_hits.shape != hits.shape or pooled_rows.shape != hits.shape:
                raise ValueError(f"{caller}: pooled_hits and pooled_rows must match hits' shape.")
    if pooled_hits is None:
        pooled_hits, pooled_rows = hits.clone(), rows.clone()
    else:
        keep = (1.0 - rows / min_rows).clamp_min(0.0)
        pooled_hits = keep * pooled_hits + hits
        pooled_rows = keep * pooled_rows + rows
    accuracy = pooled_hits / pooled_rows  # NaN where no row yet (0 / 0)
    return accuracy, pooled_hits, pooled_rows
