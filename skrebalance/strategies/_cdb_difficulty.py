"""CDB's difficulty set: the rows it holds, and the class accuracies measured on it.

The ``"cdb"`` strategy (:mod:`._cdb`) weights the classes by the accuracies
measured here; see its docstring for the three kinds of difficulty set.
"""

import torch

from ..functional._class_accuracy import pooled_class_accuracy


def split_difficulty_set(y, n_classes, difficulty_set, holdout_size, generator=None):
    """Choose the difficulty set of a fit and the rows left to train on.

    With ``difficulty_set="holdout"`` the same number of rows of every
    present class, ``holdout_size`` times the smallest class count (at least
    one row, leaving at least one row of each class to train on), drawn
    without replacement with ``generator``; when some class has fewer than 2
    rows nothing is held out and the training rows serve (source
    ``"train"``). ``"valid"`` and ``"train"`` hold nothing out.

    Parameters
    ----------
    y : torch.Tensor of shape (n,)
        Encoded labels of the fit's training rows.
    n_classes : int
        Number of classes.
    difficulty_set : {"holdout", "valid", "train"}
        The strategy's parameter.
    holdout_size : float
        Rows held out per class, as a fraction of the smallest class count.
    generator : torch.Generator or None, default=None
        Draws the held-out rows (on the device of ``y``).

    Returns
    -------
    difficulty_rows, train_rows : torch.Tensor of shape (k,) and (n - k,), or None
        Indices of the held-out rows and of the rows trained on; both
        ``None`` when nothing is held out.
    class_counts : torch.Tensor of shape (n_classes,), float
        Class counts of the rows trained on.
    source : str
        ``"holdout"``, ``"valid"`` or ``"train"``: the set actually used.

    Examples
    --------
    >>> import torch

from ..functional._class_accuracy import pooled_class_accuracy
    >>> y = torch.tensor([0] * 10 + [1] * 5)
    >>> held, train, counts, source = split_difficulty_set(y, 2, "holdout", 0.2)
    >>> torch.bincount(y[held]).tolist(), counts.tolist(), source
    ([1, 1], [9.0, 4.0], 'holdout')
    """
    counts = torch.bincount(y, minlength=n_classes)
    if difficulty_set != "holdout":
        return None, None, counts.float(), difficulty_set
    n_min = int(counts[counts > 0].min())
    per_class = min(max(1, round(holdout_size * n_min)), n_min - 1)
    if per_class < 1:
        return None, None, counts.float(), "train"
    held = torch.zeros_like(y, dtype=torch.bool)
    for c in torch.nonzero(counts).flatten().tolist():
        rows = torch.nonzero(y == c).flatten()
        shuffled = torch.randperm(rows.shape[0], device=y.device, generator=generator)
        held[rows[shuffled[:per_class]]] = True
    train_rows = torch.nonzero(~held).flatten()
    counts = torch.bincount(y[train_rows], minlength=n_classes)
    return torch.nonzero(held).flatten(), train_rows, counts.float(), "holdout"


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

from ..functional._class_accuracy import pooled_class_accuracy
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
