"""The default torch module: a tabular multi-layer perceptron."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._robust_input import RobustScaleInput

__all__ = ["MLP", "CosineLinear"]

#: output layers of :class:`MLP`, by the name of its ``head`` parameter
HEADS = ("linear", "cosine")


class CosineLinear(nn.Module):
    r"""Normalised (cosine) output layer: logits in :math:`[-1, 1]`.

    .. math::

        z_c = \frac{w_c^\top h}{\lVert w_c \rVert \, \lVert h \rVert}

    the cosine between the input :math:`h` and each class's weight vector
    :math:`w_c`, without bias. Cao et al. (2019) train such a layer with the
    LDAM loss, which scales the cosines by :math:`s` (``"ldam_drw"``'s ``s``).
    A loss without a scale cannot make the softmax of cosines confident, so
    pair this layer with a scaled loss.

    Parameters
    ----------
    in_features : int
        Size of the input :math:`h`.
    out_features : int
        Number of logits.

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga, T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.

    Examples
    --------
    >>> import torch
    >>> layer = CosineLinear(3, 2)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))
    >>> layer(torch.tensor([[2.0, 0.0, 0.0]]))  # cos 0, cos 45 degrees
    tensor([[1.0000, 0.7071]], grad_fn=<MmBackward0>)
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        # nn.Linear's initialisation; only the directions matter here
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, X):
        """Return the cosines of shape ``(n, out_features)``."""
        return F.normalize(X, dim=-1) @ F.normalize(self.weight, dim=-1).T

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"


class MLP(nn.Module):
    """Multi-layer perceptron for tabular data, returning raw logits.

    :class:`~skrebalance.RebalancedNetClassifier` fills ``n_features`` and
    ``n_classes`` at fit time from the data, so users only choose the width
    (``module__hidden_units``).

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_classes : int
        Number of output logits.
    hidden_units : tuple of int, default=(128, 128)
        Width of each hidden layer; ``()`` gives a linear model (multinomial
        logistic regression when trained with cross-entropy).
    activation : type of torch.nn.Module, default=torch.nn.SiLU
        Non-linearity after each hidden layer.
    dropout : float, default=0.1
        Dropout probability after each hidden activation.
    head : {"linear", "cosine"}, default="linear"
        Output layer: affine (``nn.Linear``), or ``CosineLinear`` (of this
        module), whose logits are the cosines between the last hidden
        activations and one weight vector per class, in :math:`[-1, 1]`
        (no bias), for losses that scale the logits (``"ldam_drw"``).
    input_scaling : {"robust", None}, default="robust"
        ``"robust"`` puts a :class:`~skrebalance._robust_input.RobustScaleInput`
        first (median / IQR scaling and smooth clipping, its statistics set
        by :meth:`fit_input_statistics` from the training rows), so raw
        features in any unit work; ``None`` feeds ``X`` as it is.
    input_clip : float or None, default=3.0
        Bound of the smooth clipping of ``input_scaling="robust"``.

    Examples
    --------
    >>> import torch
    >>> net = MLP(n_features=4, n_classes=3, hidden_units=(8,))
    >>> net(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    >>> MLP(n_features=4, n_classes=3, hidden_units=(), input_scaling=None)
    MLP(
      (layers): Sequential(
        (0): Linear(in_features=4, out_features=3, bias=True)
      )
    )
    >>> MLP(n_features=4, n_classes=3, hidden_units=(), head="cosine", input_scaling=None)
    MLP(
      (layers): Sequential(
        (0): CosineLinear(in_features=4, out_features=3)
      )
    )
    """

    def __init__(
        self,
        n_features,
        n_classes,
        hidden_units=(128, 128),
        activation=nn.SiLU,
        dropout=0.1,
        head="linear",
        input_scaling="robust",
        input_clip=3.0,
    ):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}.")
        if input_scaling not in ("robust", None):
            raise ValueError(
                f"input_scaling must be 'robust' or None, got {input_scaling!r}."
            )
        self.input = (
            RobustScaleInput(n_features, clip=input_clip) if input_scaling else None
        )
        if isinstance(hidden_units, int):
            hidden_units = (hidden_units,)
        layers = []
        width = n_features
        for units in hidden_units:
            layers.append(nn.Linear(width, units))
            layers.append(activation())
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = units
        if head == "cosine":
            layers.append(CosineLinear(width, n_classes))
        else:
            layers.append(nn.Linear(width, n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        """Return logits of shape ``(n, n_classes)``."""
        if self.input is not None:
            X = self.input(X)
        return self.layers(X)

    def fit_input_statistics(self, X):
        """Set the input scaling's statistics from the training rows ``X`` (no-op without)."""
        if self.input is not None:
            self.input.fit_input_statistics(X)
