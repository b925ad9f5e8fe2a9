"""The default torch module: a tabular multi-layer perceptron."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._robust_input import RobustScaleInput
from .functional._tde import GAMMA, N_HEADS, causal_norm_logits, direction_logits

__all__ = ["MLP", "CosineLinear", "CausalNormLinear"]

#: the default scale of :class:`CausalNormLinear`: twice the paper's 16, measured
#: better with the default MLP on the long-tailed development sets (user guide)
CAUSAL_NORM_TAU = 32.0

#: output layers of :class:`MLP`, by the name of its ``head`` parameter
HEADS = ("linear", "cosine", "causal_norm")


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


class CausalNormLinear(nn.Module):
    r"""Multi-head normalised (causal-norm) output layer of Tang et al. (2020).

    .. math::

        z_i = \frac{\tau}{K} \sum_{k=1}^{K}
        \frac{w_{ik}^\top h_k}{(\lVert w_{ik} \rVert + \gamma)\, \lVert h_k \rVert}

    over :math:`K` chunks :math:`h_k` of the input and :math:`w_{ik}` of each
    class's weight vector, without bias
    (:func:`~skrebalance.functional.causal_norm_logits`). The logits lie in
    :math:`[-\tau, \tau]`, so plain cross-entropy trains it. Strategy
    ``"tde"`` predicts with its counterfactual logits, which need the layer's
    input: a module using this layer returns ``(logits, h)``, as
    :class:`MLP` with ``head="causal_norm"`` does.

    Parameters
    ----------
    in_features : int
        Size of the input :math:`h` (at least ``n_heads``).
    out_features : int
        Number of logits.
    n_heads : int, default=2
        :math:`K`, the number of chunks (the paper's 2). When it does not
        divide ``in_features`` the chunks' sizes differ by one (the authors'
        code requires equal sizes).
    tau : float, default=32.0
        Scale :math:`\tau > 0` of the logits. The paper's 16 suits its
        ResNet features; with the default MLP, 32 trained nets whose TDE
        prediction was more accurate on every long-tailed development set
        (measurements in the user guide of ``"tde"``).
    gamma : float, default=1/32
        Offset :math:`\gamma \ge 0` of the weight norms (the paper's 1/32).

    References
    ----------
    .. [1] K. Tang, J. Huang, H. Zhang, "Long-Tailed Classification by Keeping
       the Good and Removing the Bad Momentum Causal Effect", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> layer = CausalNormLinear(4, 1, n_heads=2, tau=2.0, gamma=0.0)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[3.0, 4.0, 0.0, 2.0]]))
    >>> layer(torch.tensor([[3.0, 4.0, 1.0, 0.0]]))  # (2 / 2) (cos 0 + cos 90 degrees)
    tensor([[1.]], grad_fn=<MmBackward0>)
    """

    def __init__(self, in_features, out_features, n_heads=N_HEADS, tau=CAUSAL_NORM_TAU,
                 gamma=GAMMA):
        super().__init__()
        if isinstance(n_heads, bool) or not isinstance(n_heads, int) or not (
            1 <= n_heads <= in_features
        ):
            raise ValueError(
                f"n_heads must be an int in [1, in_features={in_features}], got {n_heads!r}."
            )
        if not (isinstance(tau, (int, float)) and math.isfinite(tau) and tau > 0):
            raise ValueError(f"tau must be a finite float > 0, got {tau!r}.")
        if not (isinstance(gamma, (int, float)) and math.isfinite(gamma) and gamma >= 0):
            raise ValueError(f"gamma must be a finite float >= 0, got {gamma!r}.")
        self.in_features = in_features
        self.out_features = out_features
        self.n_heads = n_heads
        self.tau = float(tau)
        self.gamma = float(gamma)
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        # the authors' initialisation, U(-1/sqrt(D), 1/sqrt(D)) (nn.Linear's too)
        bound = 1.0 / math.sqrt(in_features)
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, X):
        """Return the logits of shape ``(n, out_features)``."""
        return causal_norm_logits(X, self.weight, self.n_heads, self.tau, self.gamma,
                                  check_input=False)

    def direction_logits(self, X, direction):
        """The logits of each chunk's component along ``direction`` (shape ``(in_features,)``).

        :func:`~skrebalance.functional.direction_logits` with this layer's
        weights, ``n_heads``, ``tau`` and ``gamma``: ``self(X) - alpha *
        self.direction_logits(X, d)`` are the counterfactual (TDE) logits.
        """
        return direction_logits(X, self.weight, direction, self.n_heads, self.tau, self.gamma)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"n_heads={self.n_heads}, tau={self.tau}, gamma={self.gamma}")


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
    head : {"linear", "cosine", "causal_norm"}, default="linear"
        Output layer: affine (``nn.Linear``); ``CosineLinear`` (of this
        module), whose logits are the cosines between the last hidden
        activations and one weight vector per class, in :math:`[-1, 1]`
        (no bias), for losses that scale the logits (``"ldam_drw"``); or
        :class:`CausalNormLinear`, the multi-head normalised layer of
        strategy ``"tde"``. With ``"causal_norm"`` the forward returns
        ``(logits, features)``, the features being the last hidden
        activations (the layer's input), which ``"tde"`` needs; the
        classifier trains and predicts on the first element.
    head_params : dict or None, default=None
        Keyword arguments of the output layer: ``n_heads``, ``tau``,
        ``gamma`` of :class:`CausalNormLinear` (2, 32, 1/32 by default); the
        other heads take none.
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
    >>> logits, features = MLP(n_features=4, n_classes=3, hidden_units=(8,),
    ...                        head="causal_norm")(torch.zeros(2, 4))
    >>> logits.shape, features.shape
    (torch.Size([2, 3]), torch.Size([2, 8]))
    """

    def __init__(
        self,
        n_features,
        n_classes,
        hidden_units=(128, 128),
        activation=nn.SiLU,
        dropout=0.1,
        head="linear",
        head_params=None,
        input_scaling="robust",
        input_clip=3.0,
    ):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}.")
        head_params = {} if head_params is None else dict(head_params)
        if head_params and head != "causal_norm":
            raise ValueError(
                f"head_params: head {head!r} takes no parameters, got {sorted(head_params)}."
            )
        unknown = set(head_params) - {"n_heads", "tau", "gamma"}
        if unknown:
            raise ValueError(
                f"head_params: unknown parameters {sorted(unknown)} of head {head!r}; "
                "it takes n_heads, tau and gamma."
            )
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
        elif head == "causal_norm":
            layers.append(CausalNormLinear(width, n_classes, **head_params))
        else:
            layers.append(nn.Linear(width, n_classes))
        self.layers = nn.Sequential(*layers)
        self.returns_features = head == "causal_norm"

    def forward(self, X):
        """Return logits of shape ``(n, n_classes)``; ``(logits, features)`` with
        ``head="causal_norm"`` (features: the output layer's input, ``(n, width)``)."""
        if self.input is not None:
            X = self.input(X)
        if not self.returns_features:
            return self.layers(X)
        *body, head = self.layers
        for layer in body:
            X = layer(X)
        return head(X), X

    def fit_input_statistics(self, X):
        """Set the input scaling's statistics from the training rows ``X`` (no-op without)."""
        if self.input is not None:
            self.input.fit_input_statistics(X)
