"""Logit-adjusted cross-entropy module (logit adjustment, balanced softmax)."""

import torch
from torch import nn

from ..functional import logit_adjusted_loss
from ..functional._validation import check_scalar
from ..functional._reduction import check_reduction


@torch.no_grad()
def set_class_buffer(module, name, values):
    """Store ``values`` (shape (C,) or None) in ``module``'s buffer ``name``.

    In place when the buffer already has that shape, else as a copy (never
    aliased), so the buffer keeps following ``.to(device)`` and
    ``state_dict``. Shared by the loss modules whose per-class buffers a
    strategy fills once the classes are known.
    """
    current = getattr(module, name)
    if values is None:
        setattr(module, name, None)
        return
    values = torch.as_tensor(values, dtype=torch.float32)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {tuple(values.shape)}.")
    if current is not None and current.shape == values.shape:
        current.copy_(values)
    else:
        setattr(module, name, values.detach().clone())


class LogitAdjustedLoss(nn.Module):
    r"""Cross-entropy on logits shifted by a scaled log prior.

    .. math::

        \ell_i = - s_i \log \mathrm{softmax}(z_i + \tau \log \pi)_{y_i}

    (see :func:`skrebalance.functional.logit_adjusted_loss`). The log prior
    lives in the buffer ``log_prior`` (``None``: plain cross-entropy until a
    strategy sets it with :meth:`set_log_prior`). ``tau=1`` is the balanced
    softmax of Ren et al. (2020).

    Parameters
    ----------
    tau : float, default=1.0
        Strength of the adjustment, ``>= 0``.
    log_prior : torch.Tensor of shape (C,) or None, default=None
        Initial log prior.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` divides the weighted sum by the batch size
        (see :func:`skrebalance.functional.reduce_loss`).

    References
    ----------
    .. [1] A. K. Menon, S. Jayasumana, A. S. Rawat, H. Jain, A. Veit,
       S. Kumar, "Long-tail learning via logit adjustment", ICLR 2021.
    .. [2] J. Ren, C. Yu, S. Sheng, X. Ma, H. Zhao, S. Yi, H. Li, "Balanced
       Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> from skrebalance.functional import class_log_prior
    >>> loss = LogitAdjustedLoss(tau=1.0)
    >>> loss.set_log_prior(class_log_prior([3, 1]))
    >>> loss(torch.zeros(2, 2), torch.tensor([0, 1]))  # (log(4/3) + log 4) / 2
    tensor(0.8370)
    """

    def __init__(self, tau=1.0, log_prior=None, reduction="mean"):
        super().__init__()
        check_reduction(reduction, "LogitAdjustedLoss")
        check_scalar(tau, "tau", 0, None, caller="LogitAdjustedLoss")
        self.tau = float(tau)
        self.reduction = reduction
        self.register_buffer("log_prior", None)
        self.set_log_prior(log_prior)

    def set_log_prior(self, log_prior):
        """Set the buffer ``log_prior`` (shape (C,), or ``None`` for no adjustment)."""
        set_class_buffer(self, "log_prior", log_prior)

    def forward(self, logits, target, sample_weight=None):
        """Return the loss of ``logits`` (n, C) against class indices ``target``."""
        log_prior = self.log_prior
        if log_prior is None:
            log_prior = logits.new_zeros(logits.shape[-1])
        return logit_adjusted_loss(
            logits,
            target,
            log_prior,
            tau=self.tau,
            sample_weight=sample_weight,
            reduction=self.reduction,
            check_input=False,
        )

    def extra_repr(self):
        return f"tau={self.tau}, reduction={self.reduction!r}"
