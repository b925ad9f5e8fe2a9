"""The default torch module: a tabular multi-layer perceptron."""

from torch import nn


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
    hidden_units : tuple of int, default=(64, 64)
        Width of each hidden layer; ``()`` gives a linear model (multinomial
        logistic regression when trained with cross-entropy).
    activation : type of torch.nn.Module, default=torch.nn.ReLU
        Non-linearity after each hidden layer.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    Examples
    --------
    >>> import torch
    >>> net = MLP(n_features=4, n_classes=3, hidden_units=(8,))
    >>> net(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    >>> MLP(n_features=4, n_classes=3, hidden_units=())
    MLP(
      (layers): Sequential(
        (0): Linear(in_features=4, out_features=3, bias=True)
      )
    )
    """

    def __init__(
        self, n_features, n_classes, hidden_units=(64, 64), activation=nn.ReLU, dropout=0.0
    ):
        super().__init__()
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
        layers.append(nn.Linear(width, n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        """Return logits of shape ``(n, n_classes)``."""
        return self.layers(X)
