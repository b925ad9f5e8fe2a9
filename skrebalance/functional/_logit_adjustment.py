"""Class priors and logit adjustment (Menon et al., 2021; Ren et al., 2020).

The formulas of the ``"logit_adjustment"`` and ``"balanced_softmax"``
strategies: the (weighted) training class counts, the log prior they give, the
post-hoc adjustment of the logits and the logit-adjusted cross-entropy.
The count functions check their input (they run once per fit); the per-batch
functions check shapes only, so they never synchronise with the device.
"""

import torch

from ._focal import focal_loss
from ._reduction import check_reduction
from ._validation import (
    InvalidParameterError,
    as_vector,
    check_class_vector,
    check_counts,
    check_scalar,
)


def class_counts(target, n_classes, sample_weight=None, check_input=True):
    r"""Training class counts, weighted by ``sample_weight`` when given.

    Without weights :math:`n_c = |\{i : y_i = c\}|`. With per-row weights
    :math:`w_i` the weighted counts are rescaled to the number of rows
    :math:`N`,

    .. math::

        n_c = N \, \frac{\sum_{i : y_i = c} w_i}{\sum_{i} w_i},

    so they equal the plain counts when every weight is the same, and a
    weighting that balances the classes (``class_weight="balanced"``) gives
    equal counts. The rescaling makes the result independent of the weights'
    overall scale, which matters for the effective number of samples.

    Parameters
    ----------
    target : torch.Tensor of shape (N,)
        Class indices in ``[0, n_classes)`` (int64).
    n_classes : int
        Number of classes :math:`C`.
    sample_weight : torch.Tensor of shape (N,) or None, default=None
        Non-negative per-row weights with a positive sum.
    check_input : bool, default=True
        Check the shapes and the weights (one host synchronisation).

    Returns
    -------
    torch.Tensor of shape (C,), dtype float32
        On the device of ``target``.

    Examples
    --------
    >>> import torch
    >>> class_counts(torch.tensor([0, 0, 0, 1]), 3)
    tensor([3., 1., 0.])
    >>> class_counts(torch.tensor([0, 0, 0, 1]), 2, torch.tensor([1.0, 1.0, 1.0, 3.0]))
    tensor([2., 2.])
    """
    caller = "class_counts"
    if check_input:
        if not torch.is_tensor(target) or target.ndim != 1:
            raise InvalidParameterError(f"{caller}: target must be a 1-d tensor of class indices.")
        check_scalar(n_classes, "n_classes", 1, None, integral=True, caller=caller)
    if sample_weight is None:
        return torch.bincount(target, minlength=n_classes).to(torch.float32)
    if check_input and sample_weight.shape != target.shape:
        raise InvalidParameterError(
            f"{caller}: sample_weight must have shape {tuple(target.shape)}, "
            f"got {tuple(sample_weight.shape)}."
        )
    weight = sample_weight.to(torch.float64 if target.device.type == "cpu" else torch.float32)
    total = weight.sum()
    if check_input and (not bool(total > 0) or bool((weight < 0).any())):
        raise InvalidParameterError(
            f"{caller}: sample_weight must be non-negative with a positive sum."
        )
    counts = torch.bincount(target, weights=weight, minlength=n_classes)
    return (counts * (target.shape[0] / total)).to(torch.float32)


def _positive_counts(class_counts, caller, check_input=True):
    """``class_counts`` as a float tensor whose zero entries take the smallest positive count.

    A class absent from the training rows is treated as the rarest present
    class: finite log priors and margins instead of infinite ones. No host
    synchronisation with ``check_input=False``.
    """
    counts = as_vector(class_counts, "class_counts", caller)
    if check_input:
        check_counts(counts, "class_counts", caller)
        if not bool((counts > 0).any()):
            raise InvalidParameterError(
                f"{caller}: class_counts must hold at least one positive count."
            )
    present = counts > 0
    smallest = counts.masked_fill(~present, float("inf")).min()
    return torch.where(present, counts, smallest)


def class_log_prior(class_counts, check_input=True):
    r"""Log class prior :math:`\log \pi_c = \log (n_c / \sum_k n_k)`.

    A class with zero count gets the prior of the rarest present class, so the
    result is always finite.

    Parameters
    ----------
    class_counts : torch.Tensor or array-like of shape (C,)
        (Weighted) class counts, non-negative, at least one positive; see
        :func:`class_counts`.
    check_input : bool, default=True
        Check the counts (one host synchronisation).

    Returns
    -------
    torch.Tensor of shape (C,), dtype float32
        On the device of ``class_counts`` when it is a tensor.

    Examples
    --------
    >>> class_log_prior([3, 1]).exp()
    tensor([0.7500, 0.2500])
    >>> class_log_prior([4, 0, 1]).exp()  # the absent class counts as 1
    tensor([0.6667, 0.1667, 0.1667])
    """
    counts = _positive_counts(class_counts, "class_log_prior", check_input)
    return (counts.log() - counts.sum().log()).to(torch.float32)


def _check_logits(logits, log_prior, tau, caller):
    check_class_vector(logits, log_prior, "log_prior", caller)
    check_scalar(tau, "tau", 0, None, caller=caller)


def posthoc_adjusted_logits(logits, log_prior, tau=1.0, check_input=True):
    r"""Post-hoc logit adjustment: :math:`z_c - \tau \log \pi_c`.

    The Bayes-optimal rule for the *balanced* error (the mean of the class
    recalls) predicts :math:`\arg\max_c\, p(y = c \mid x) / \pi_c`. A net
    trained with cross-entropy estimates :math:`p(y \mid x) \propto e^{z_y}`,
    so subtracting :math:`\tau \log \pi` from the logits before the softmax
    turns it into that rule (at :math:`\tau = 1`); :math:`\tau = 0` leaves the
    logits unchanged.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores of a net trained with plain cross-entropy.
    log_prior : torch.Tensor of shape (C,)
        :func:`class_log_prior` of the training rows.
    tau : float, default=1.0
        Strength of the adjustment, ``>= 0``.
    check_input : bool, default=True
        Check the shapes and ``tau``.

    Returns
    -------
    torch.Tensor of shape (n, C)

    References
    ----------
    .. [1] A. K. Menon, S. Jayasumana, A. S. Rawat, H. Jain, A. Veit,
       S. Kumar, "Long-tail learning via logit adjustment", ICLR 2021.

    Examples
    --------
    >>> import torch
    >>> log_prior = class_log_prior([3, 1])
    >>> posthoc_adjusted_logits(torch.zeros(1, 2), log_prior).softmax(dim=1)
    tensor([[0.2500, 0.7500]])
    """
    if check_input:
        _check_logits(logits, log_prior, tau, "posthoc_adjusted_logits")
    return logits - tau * log_prior


def logit_adjusted_loss(
    logits, target, log_prior, tau=1.0, class_weight=None, sample_weight=None,
    reduction="mean", check_input=True,
):
    r"""Logit-adjusted softmax cross-entropy: :math:`\mathrm{CE}(z + \tau \log \pi, y)`.

    .. math::

        \ell_i = - s_i \, w_{y_i} \log
        \frac{e^{z_{i,y_i} + \tau \log \pi_{y_i}}}
             {\sum_{c} e^{z_{i,c} + \tau \log \pi_c}}

    Adding :math:`\tau \log \pi` during training makes the net learn logits
    :math:`z` that are already adjusted: predict with the plain
    :math:`\mathrm{softmax}(z)`. Because the cross-entropy does not change when
    the same constant is added to every logit, :math:`\log \pi_c` and
    :math:`\log n_c` give the same loss, and ``tau=1`` is the *balanced
    softmax* of Ren et al. (2020), :math:`\mathrm{CE}(z + \log n, y)`.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Raw scores.
    target : torch.Tensor of shape (n,)
        Class indices in ``[0, C)``.
    log_prior : torch.Tensor of shape (C,)
        :func:`class_log_prior` (or any per-class offsets, e.g. ``log n``).
    tau : float, default=1.0
        Strength of the adjustment, ``>= 0``; 0 gives the cross-entropy.
    class_weight : torch.Tensor of shape (C,) or None, default=None
        Per-class weights :math:`w_c`.
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Per-row weights :math:`s_i`.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` is ``sum_i l_i / n`` (see :func:`reduce_loss`).
    check_input : bool, default=True
        Check the shapes, ``tau`` and ``reduction``; a loss module that
        checked them once passes ``False`` in its batch loop.

    Returns
    -------
    torch.Tensor
        Scalar, or shape ``(n,)`` with ``reduction="none"``.

    References
    ----------
    .. [1] A. K. Menon, S. Jayasumana, A. S. Rawat, H. Jain, A. Veit,
       S. Kumar, "Long-tail learning via logit adjustment", ICLR 2021.
    .. [2] J. Ren, C. Yu, S. Sheng, X. Ma, H. Zhao, S. Yi, H. Li, "Balanced
       Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> log_prior = class_log_prior([3, 1])
    >>> # softmax(z + log pi) = (3/4, 1/4): losses log(4/3) and log(4)
    >>> logit_adjusted_loss(torch.zeros(2, 2), torch.tensor([0, 1]), log_prior, reduction="none")
    tensor([0.2877, 1.3863])
    """
    if check_input:
        _check_logits(logits, log_prior, tau, "logit_adjusted_loss")
        check_reduction(reduction, "logit_adjusted_loss")
    return focal_loss(
        logits + tau * log_prior.detach(),
        target,
        gamma=0.0,
        alpha=class_weight,
        reduction=reduction,
        sample_weight=sample_weight,
        check_input=False,
    )
