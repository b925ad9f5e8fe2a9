"""The shared base of the loss modules whose per-class vectors live in buffers."""

import torch
from torch import nn

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


class ClassVectorLoss(nn.Module):
    """A functional loss called with per-class vectors held in buffers.

    :class:`~skrebalance.losses.LDAMLoss` and
    :class:`~skrebalance.losses.LogitAdjustedLoss` are the same module around
    different formulas: a subclass names its functional loss ``_loss``, the
    buffer passed as the loss's third argument ``_offsets`` (zeros while
    unset: the plain cross-entropy) and the float attribute passed as its
    fourth ``_scale``; a ``class_weight`` buffer, where the subclass has one,
    goes in as ``class_weight``. The strategy that owns the module fills the
    buffers once the classes are known.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}
        Reduction of the functional loss.
    **buffers : torch.Tensor of shape (C,) or None
        The initial value of each buffer, by name.
    """

    _loss = None
    _offsets = None
    _scale = None

    def __init__(self, reduction, **buffers):
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction
        for name, values in buffers.items():
            self.register_buffer(name, None)
            set_class_buffer(self, name, values)

    def forward(self, logits, target, sample_weight=None):
        """Return the loss of ``logits`` (n, C) against class indices ``target``."""
        offsets = self._buffers[self._offsets]
        if offsets is None:
            offsets = logits.new_zeros(logits.shape[-1])
        return self._loss(
            logits,
            target,
            offsets,
            getattr(self, self._scale),
            class_weight=self._buffers.get("class_weight"),
            sample_weight=sample_weight,
            reduction=self.reduction,
            check_input=False,  # the scale and reduction were checked in __init__
        )

    def extra_repr(self):
        return f"{self._scale}={getattr(self, self._scale)}, reduction={self.reduction!r}"
