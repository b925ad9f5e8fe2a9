"""Robust input scaling inside the module: raw ``X`` works without a scaler."""

import numpy as np
import torch
from torch import nn

__all__ = ["RobustScaleInput", "robust_statistics", "smooth_clip"]

#: interquartile range of the standard normal distribution (q75 - q25)
NORMAL_IQR = 1.349


def smooth_clip(z, bound=3.0):
    r"""Smoothly clip ``z`` to :math:`(-b, b)`: :math:`z / \sqrt{1 + (z / b)^2}`.

    About the identity for :math:`|z| \ll b`, odd, monotone, and bounded by
    ``bound`` (Holzmüller et al., 2024, RealMLP's input clipping).

    Examples
    --------
    >>> [round(v, 4) for v in smooth_clip(torch.tensor([0.0, 3.0, -4.0, 1e6])).tolist()]
    [0.0, 2.1213, -2.4, 3.0]
    """
    # hypot: no overflow of (z / b)**2 for huge z
    return z / torch.hypot(torch.ones_like(z), z / bound)


def robust_statistics(X):
    r"""Per-column centre and scale: median and :math:`(q_{75} - q_{25}) / 1.349`.

    A column whose interquartile range is 0 (mostly one value: binary or
    one-hot columns, spikes) falls back to half its range
    :math:`(\max - \min) / 2`, and a constant column to 1. Quantiles
    interpolate linearly between order statistics, as ``numpy.quantile``.

    Parameters
    ----------
    X : torch.Tensor of shape (n, d)

    Returns
    -------
    center, scale : torch.Tensor of shape (d,)

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0, 5.0], [2.0, 0.0, 5.0], [3.0, 0.0, 5.0],
    ...                   [4.0, 0.0, 5.0], [100.0, 1.0, 5.0]])
    >>> center, scale = robust_statistics(X)
    >>> center.tolist(), [round(s, 4) for s in scale.tolist()]
    ([3.0, 0.0, 5.0], [1.4826, 0.5, 1.0])
    """
    X = torch.as_tensor(X).float()
    q25, center, q75 = _quartiles(X)
    scale = (q75 - q25) / NORMAL_IQR
    half_range = (X.amax(dim=0) - X.amin(dim=0)) / 2
    scale = torch.where(scale > 0, scale, half_range)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    return center, scale


def _quartiles(X):
    """Column quartiles (q25, median, q75), linear interpolation as ``numpy.quantile``."""
    if X.device.type == "cpu":
        # numpy selects by partition, O(n) per column: about 4x faster than a
        # full sort at 1e5 rows (a tenth of a small net's fit otherwise)
        quartiles = np.quantile(X.detach().numpy(), (0.25, 0.5, 0.75), axis=0)
        return tuple(torch.from_numpy(q).to(X.dtype) for q in quartiles)
    return _sorted_quartiles(X)  # on the device: no copy to the host


def _sorted_quartiles(X):
    ordered = torch.sort(X, dim=0).values  # torch.quantile refuses > 2**24 elements
    return tuple(_quantile(ordered, q) for q in (0.25, 0.5, 0.75))


def _quantile(ordered, q):
    position = q * (ordered.shape[0] - 1)
    low = int(position)
    high = min(low + 1, ordered.shape[0] - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


class RobustScaleInput(nn.Module):
    r"""Input layer: robust standardisation and smooth clipping, fitted on training rows.

    .. math::

        z_j = \frac{x_j - m_j}{s_j}, \qquad
        \tilde z_j = \frac{z_j}{\sqrt{1 + (z_j / b)^2}}

    with :math:`m_j, s_j` from :func:`robust_statistics` (median,
    interquartile range / 1.349, fallbacks for degenerate columns) and the
    bound :math:`b` = ``clip``, as the robust scaling and smooth clipping of
    RealMLP (Holzmüller et al., 2024). Outliers and heavy tails then cannot
    blow up the first layer, and features in any unit work.

    The statistics are buffers (``center``, ``scale``; in ``state_dict``,
    on the module's device); they start at the identity (0 and 1) and
    :meth:`fit_input_statistics` sets them.
    :class:`~skrebalance.RebalancedNetClassifier` calls it with the training
    rows when a fit initializes the module (not on ``warm_start`` or later
    ``partial_fit`` calls, which keep the statistics the weights were
    trained with).

    Parameters
    ----------
    n_features : int
        Number of input features.
    clip : float or None, default=3.0
        Bound :math:`b` of the smooth clipping; ``None`` only standardises.

    References
    ----------
    .. [1] D. Holzmüller, L. Grinsztajn, I. Steinwart, "Better by Default:
       Strong Pre-Tuned MLPs and Boosted Trees on Tabular Data",
       NeurIPS 2024.

    Examples
    --------
    >>> layer = RobustScaleInput(2)
    >>> layer.fit_input_statistics(torch.tensor([[0.0, 1e6], [1.0, 3e6], [2.0, 5e6]]))
    >>> layer(torch.tensor([[1.0, 3e6]])).tolist()
    [[0.0, 0.0]]
    """

    def __init__(self, n_features, clip=3.0):
        super().__init__()
        if clip is not None and not clip > 0:
            raise ValueError(f"clip must be > 0 or None, got {clip!r}.")
        self.n_features = n_features
        self.clip = clip
        self.register_buffer("center", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))

    @torch.no_grad()
    def fit_input_statistics(self, X):
        """Set ``center`` and ``scale`` from the training rows ``X`` of shape (n, n_features)."""
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (n, {self.n_features}), got {tuple(X.shape)}."
            )
        center, scale = robust_statistics(X)
        self.center.copy_(center)
        self.scale.copy_(scale)

    def forward(self, X):
        """Return the scaled (and clipped) features, same shape as ``X``."""
        z = (X - self.center) / self.scale
        return z if self.clip is None else smooth_clip(z, self.clip)

    def extra_repr(self):
        return f"n_features={self.n_features}, clip={self.clip}"
