"""LDAM: label-distribution-aware margins and their loss (Cao et al., 2019).

The formulas of the ``"ldam_drw"`` strategy. Its deferred re-weighting (DRW)
uses the class-balanced weights of
:func:`~skrebalance.functional.effective_number_weights`.
"""

import torch

from ._focal import focal_loss
from ._logit_adjustment import _positive_counts
from ._reduction import check_reduction
from ._validation import check_class_vector, check_scalar


def ldam_margins(class_counts, max_margin=0.5, check_input=True):
    r"""Per-class margins :math:`\Delta_c \propto n_c^{-1/4}`, the largest ``max_margin``.

    Cao et al. derive from a margin-based generalisation bound that the margin
    of class :math:`c` should be :math:`\Delta_c = K / n_c^{1/4}`; the
    constant :math:`K` is chosen so that the rarest class gets ``max_margin``:

    .. math::

        \Delta_c = \Delta_{\max} \Big(\frac{\min_k n_k}{n_c}\Big)^{1/4}.

    A class with zero count is treated as the rarest present class.

    Parameters
    ----------
    class_counts : torch.Tensor or array-like of shape (C,)
        Class counts, non-negative, at least one positive.
    max_margin : float, default=0.5
        :math:`\Delta_{\max} \ge 0`, the margin of the rarest class.
    check_input : bool, default=True
        Check the counts and ``max_margin`` (one host synchronisation).

    Returns
    -------
    torch.Tensor of shape (C,), dtype float32
        On the device of ``class_counts`` when it is a tensor.

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga, T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.

    Examples
    --------
    >>> ldam_margins([16, 1])  # 0.5 * (1/16)^(1/4) = 0.25
    tensor([0.2500, 0.5000])
    """
    caller = "ldam_margins"
    if check_input:
        check_scalar(max_margin, "max_margin", 0, None, caller=caller)
    counts = _positive_counts(class_counts, caller, check_input)
    return (max_margin * (counts.min() / counts) ** 0.25).to(torch.float32)


def ldam_loss(
    logits, target, margins, s=30.0, class_weight=None, sample_weight=None,
    reduction="mean", check_input=True,
):
    r"""LDAM loss: cross-entropy on scaled logits with a margin on the true class.

    .. math::

        \ell_i = - s_i \, w_{y_i} \log
        \frac{e^{s (z_{i,y_i} - \Delta_{y_i})}}
             {e^{s (z_{i,y_i} - \Delta_{y_i})} + \sum_{c \ne y_i} e^{s z_{i,c}}}

    The true-class logit must beat the others by :math:`\Delta_{y_i}` (larger
    for rarer classes) before the loss is small. The paper's :math:`s = 30`
    suits logits in :math:`[-1, 1]` (a cosine output layer,
    ``MLP(head="cosine")``). With ``margins`` zero and ``s=1`` this is the
    cross-entropy.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores :math:`z`.
    target : torch.Tensor of shape (n,)
        Class indices in ``[0, C)``.
    margins : torch.Tensor of shape (C,)
        :func:`ldam_margins`.
    s : float, default=30.0
        Scale of the logits, ``> 0``.
    class_weight : torch.Tensor of shape (C,) or None, default=None
        Per-class weights :math:`w_c` (DRW's class-balanced weights).
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Per-row weights :math:`s_i`.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is ``sum_i l_i / n`` (see :func:`reduce_loss`).
    check_input : bool, default=True
        Check the shapes, ``s`` and ``reduction``; a loss module that checked
        them once passes ``False`` in its batch loop.

    Returns
    -------
    torch.Tensor
        Scalar, or shape ``(n,)`` with ``reduction="none"``.

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga, T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.

    Examples
    --------
    >>> import torch
    >>> margins = ldam_margins([16, 1])  # (0.25, 0.5)
    >>> # 2 * ((0.5, 0.5) - (0.25, 0)) = (0.5, 1.0): loss log(1 + e^0.5)
    >>> ldam_loss(torch.tensor([[0.5, 0.5]]), torch.tensor([0]), margins, s=2.0)
    tensor(0.9741)
    """
    caller = "ldam_loss"
    if check_input:
        check_class_vector(logits, margins, "margins", caller)
        check_scalar(s, "s", 0, None, closed="neither", caller=caller)
        check_reduction(reduction, caller)
    shift = margins.detach().to(logits.dtype).index_select(0, target).unsqueeze(1)
    logits = logits.scatter_add(1, target.unsqueeze(1), -shift)
    return focal_loss(
        s * logits,
        target,
        gamma=0.0,
        alpha=class_weight,
        reduction=reduction,
        sample_weight=sample_weight,
        check_input=False,
    )
