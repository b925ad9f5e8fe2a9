"""Logit-adjusted cross-entropy module (logit adjustment, balanced softmax)."""

from ..functional import logit_adjusted_loss
from ..functional._validation import check_scalar
from ._class_vector import ClassVectorLoss, set_class_buffer


class LogitAdjustedLoss(ClassVectorLoss):
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

    _loss = staticmethod(logit_adjusted_loss)
    _offsets = "log_prior"
    _scale = "tau"

    def __init__(self, tau=1.0, log_prior=None, reduction="mean"):
        super().__init__(reduction, log_prior=log_prior)
        check_scalar(tau, "tau", 0, None, caller="LogitAdjustedLoss")
        self.tau = float(tau)

    def set_log_prior(self, log_prior):
        """Set the buffer ``log_prior`` (shape (C,), or ``None`` for no adjustment)."""
        set_class_buffer(self, "log_prior", log_prior)
