"""CDB's difficulty set: the rows it holds, and the class accuracies measured on it.

The ``"cdb"`` strategy (:mod:`._cdb`) weights the classes by the accuracies
measured here; see its docstring for the three kinds of difficulty set.
"""

import torch

from ..functional._class_accuracy import pooled_class_accuracy


def _per_class_sample(y, counts, per_class, generator=None):
    """A mask of ``min(per_class, n_c)`` rows of every present class.

    Random rows drawn with ``generator``; without one, evenly spaced rows of
    each class (rows ``floor(i n_c / k)``, ``i < k``), which draws nothing
    from a random stream.
    """
    chosen = torch.zeros_like(y, dtype=torch.bool)
    for c in torch.nonzero(counts).flatten().tolist():
        rows = torch.nonzero(y == c).flatten()
        n, k = rows.shape[0], min(per_class, rows.shape[0])
        if generator is None:
            pick = torch.arange(k, device=y.device) * n // k
        else:
            pick = torch.randperm(n, device=y.device, generator=generator)[:k]
        chosen[rows[pick]] = True
    return chosen


def split_difficulty_set(y, n_classes, difficulty_set, holdout_size, generator=None,
                         max_rows=None):
    """Choose the difficulty set of a fit and the rows left to train on.

    - a boolean mask of the rows (``difficulty_set`` array-like of shape
      ``(n,)``): the rows marked ``True`` are the difficulty set, held out of
      training (source ``"given"``), as the paper's separate validation set;

    - ``"holdout"``: the same number of rows of every present class,
      ``holdout_size`` times the smallest class count (at least one row,
      leaving at least one row of each class to train on), drawn without
      replacement with ``generator`` and held out of training; when some
      class has fewer than 2 rows nothing is held out and the training rows
      serve (source ``"train"``).
    - ``"train"``: the training rows themselves, nothing held out; a class
      with more than ``max_rows`` rows is scored on ``max_rows`` of them,
      evenly spaced in the class's row order (nothing is drawn from
      ``generator``, so the training shuffles are those of a fit without
      the strategy); ``None``: every row.
    - ``"valid"``: nothing held out (the net's validation split serves).

    Parameters
    ----------
    y : torch.Tensor of shape (n,)
        Encoded labels of the fit's training rows.
    n_classes : int
        Number of classes.
    difficulty_set : {"holdout", "valid", "train"} or array-like of bool of shape (n,)
        The strategy's parameter.
    holdout_size : float
        Rows held out per class, as a fraction of the smallest class count.
    generator : torch.Generator or None, default=None
        Draws the rows (on the device of ``y``).
    max_rows : int or None, default=None
        With the training rows as the difficulty set: the most rows of one
        class that are scored.

    Returns
    -------
    difficulty_rows : torch.Tensor of shape (k,) or None
        Indices of the rows scored (held out or not); ``None`` when every
        training row is scored, or with ``"valid"``.
    train_rows : torch.Tensor of shape (n - k,) or None
        Indices of the rows trained on when some are held out, else ``None``.
    class_counts : torch.Tensor of shape (n_classes,), float
        Class counts of the rows trained on.
    source : str
        ``"holdout"``, ``"valid"``, ``"train"`` or ``"given"``: the set actually used.

    Examples
    --------
    >>> import torch
    >>> y = torch.tensor([0] * 10 + [1] * 5)
    >>> held, train, counts, source = split_difficulty_set(y, 2, "holdout", 0.2)
    >>> torch.bincount(y[held]).tolist(), counts.tolist(), source
    ([1, 1], [9.0, 4.0], 'holdout')
    >>> scored, train, counts, source = split_difficulty_set(y, 2, "train", 0.2, max_rows=4)
    >>> scored.tolist(), train, counts.tolist(), source  # rows 0, 2, 5, 7 of class 0
    ([0, 2, 5, 7, 10, 11, 12, 13], None, [10.0, 5.0], 'train')
    >>> mask = [False] * 8 + [True] * 2 + [False] * 4 + [True]
    >>> held, train, counts, source = split_difficulty_set(y, 2, mask, 0.2)
    >>> held.tolist(), counts.tolist(), source
    ([8, 9, 14], [8.0, 4.0], 'given')
    """
    counts = torch.bincount(y, minlength=n_classes)
    if not isinstance(difficulty_set, str):
        held = given_rows(difficulty_set, y.shape[0], y.device)
        train_rows = torch.nonzero(~held).flatten()
        counts = torch.bincount(y[train_rows], minlength=n_classes)
        return torch.nonzero(held).flatten(), train_rows, counts.float(), "given"
    if difficulty_set == "holdout":
        n_min = int(counts[counts > 0].min())
        per_class = min(max(1, round(holdout_size * n_min)), n_min - 1)
        if per_class >= 1:
            held = _per_class_sample(y, counts, per_class, generator)
            train_rows = torch.nonzero(~held).flatten()
            counts = torch.bincount(y[train_rows], minlength=n_classes)
            return torch.nonzero(held).flatten(), train_rows, counts.float(), "holdout"
        difficulty_set = "train"  # a class of one row: nothing can be held out
    if difficulty_set == "train" and max_rows is not None and int(counts.max()) > max_rows:
        scored = _per_class_sample(y, counts, int(max_rows))
        return torch.nonzero(scored).flatten(), None, counts.float(), "train"
    return None, None, counts.float(), difficulty_set


def given_rows(mask, n_rows, device=None):
    """The user's difficulty set as a boolean tensor of the fit's rows, checked.

    Raises a ``ValueError`` naming ``difficulty_set`` unless ``mask`` holds
    one boolean per training row, with rows on both sides.
    """
    mask = torch.as_tensor(mask, device=device)
    if mask.dtype != torch.bool or mask.shape != (n_rows,):
        raise ValueError(
            f"difficulty_set must be 'train', 'holdout', 'valid' or a boolean mask of the "
            f"{n_rows} training rows (True: a row of the difficulty set, never trained on); "
            f"got dtype {mask.dtype} and shape {tuple(mask.shape)}. With a mask, fit on the "
            "rows it was made for, without a validation split (train_split=None)."
        )
    n_held = int(mask.sum())
    if n_held in (0, n_rows):
        raise ValueError(
            f"difficulty_set: the mask marks {n_held} of the {n_rows} rows; the difficulty "
            "set and the training rows must both be non-empty."
        )
    return mask


def class_hits(scores, y, n_classes):
    """Correct predictions and rows of each class, without leaving the device.

    Parameters
    ----------
    scores : torch.Tensor of shape (n, n_classes)
        Logits or probabilities: the prediction is their argmax.
    y : torch.Tensor of shape (n,)
        Encoded labels.
    n_classes : int
        Number of classes.

    Returns
    -------
    hits, rows : torch.Tensor of shape (n_classes,), float

    Examples
    --------
    >>> import torch
    >>> scores = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    >>> class_hits(scores, torch.tensor([0, 0, 1]), 2)
    (tensor([1., 0.]), tensor([2., 1.]))
    """
    correct = (scores.argmax(dim=1) == y).float()
    hits = torch.bincount(y, weights=correct, minlength=n_classes)
    return hits, torch.bincount(y, minlength=n_classes).float()


def difficulty_accuracy(hits, rows, pooled_hits, pooled_rows, min_rows):
    """Class accuracies of a measurement, pooled until each rests on ``min_rows`` rows.

    :func:`~skrebalance.functional._class_accuracy.pooled_class_accuracy`
    without its input checks (each would cost a device synchronisation), and
    a class with no row yet takes the mean accuracy of the others instead of
    ``NaN``.

    Returns
    -------
    accuracy, pooled_hits, pooled_rows : torch.Tensor of shape (n_classes,)

    Examples
    --------
    >>> import torch
    >>> acc, H, N = difficulty_accuracy(torch.tensor([1.0, 4.0, 0.0]),
    ...                                 torch.tensor([2.0, 4.0, 0.0]), None, None, 1)
    >>> acc
    tensor([0.5000, 1.0000, 0.7500])
    """
    accuracy, pooled_hits, pooled_rows = pooled_class_accuracy(
        hits, rows, pooled_hits, pooled_rows, float(min_rows), check_input=False)
    present = pooled_rows > 0
    accuracy = torch.where(present, accuracy, 0.0)
    # a class absent from the difficulty set takes the mean accuracy of the
    # others: it changes neither the max nor the min, hence not the bias
    mean = accuracy.sum() / present.sum().clamp_min(1)
    return torch.where(present, accuracy, mean), pooled_hits, pooled_rows
