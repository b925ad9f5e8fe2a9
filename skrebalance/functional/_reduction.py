"""The one reduction convention shared by every weighted loss of the package."""

from ._validation import check_options

_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction, caller=None):
    """Raise a ``ValueError`` unless ``reduction`` is a known reduction name."""
    return check_options(reduction, "reduction", _REDUCTIONS, caller)


def reduce_loss(loss, reduction, check_input=True):
    """Reduce per-example losses that already carry their weights.

    ``"mean"`` divides the (weighted) sum by the number of examples, not by the
    sum of the weights: ``sum_i w_i * l_i / n``. With class weights that sum to
    the number of classes (the convention of Cui et al. and Sinha et al.) this
    keeps the loss on the scale of plain cross-entropy, and a batch that happens
    to hold only down-weighted examples really contributes less. Note that
    :class:`torch.nn.CrossEntropyLoss` with ``weight=`` divides by ``sum_i w_i``
    instead.

    Parameters
    ----------
    loss : torch.Tensor of shape (n,)
        Weighted per-example losses.
    reduction : {"none", "mean", "sum"}
        How to reduce.
    check_input : bool, default=True
        Check ``reduction``; callers that already did pass ``False``.

    Returns
    -------
    torch.Tensor
        ``loss`` itself, its sum, or its sum divided by ``n``.

    Examples
    --------
    >>> import torch
    >>> reduce_loss(torch.tensor([1.0, 2.0, 3.0]), "mean")
    tensor(2.)
    """
    if check_input:
        check_reduction(reduction, "reduce_loss")
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return total / max(loss.shape[0], 1)
