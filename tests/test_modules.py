"""The default MLP and its cosine (normalised) output layer."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from skrebalance import MLP, RebalancedNetClassifier
from skrebalance.modules import CosineLinear


def test_default_head_is_the_affine_layer():
    torch.manual_seed(0)
    default = MLP(n_features=5, n_classes=3)
    torch.manual_seed(0)
    linear = MLP(n_features=5, n_classes=3, head="linear")
    last = default.layers[-1]
    assert type(last) is nn.Linear and last.bias is not None and last.out_features == 3
    # head="linear" is the default: same parameters, same initial weights
    assert default.state_dict().keys() == linear.state_dict().keys()
    for key, value in default.state_dict().items():
        torch.testing.assert_close(value, linear.state_dict()[key])


def test_cosine_layer_against_hand_values():
    layer = CosineLinear(2, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]]))
    # h = (3, 4), |h| = 5: cosines 3/5, 4/5, -7/(5 sqrt 2) = -0.989949
    out = layer(torch.tensor([[3.0, 4.0]]))
    np.testing.assert_allclose(out.detach().numpy(), [[0.6, 0.8, -7 / (5 * math.sqrt(2))]], rtol=1e-6)
    # no bias; the scale of the input and of the weights does not matter
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    torch.testing.assert_close(layer(torch.tensor([[30.0, 40.0]])), out)


def test_cosine_head_logits_lie_in_minus_one_one():
    torch.manual_seed(0)
    net = MLP(n_features=4, n_classes=3, hidden_units=(8,), head="cosine")
    assert isinstance(net.layers[-1], CosineLinear)
    out = net(10 * torch.randn(50, 4))
    assert out.shape == (50, 3)
    assert out.abs().max().item() <= 1.0 + 1e-6
    out.sum().backward()
    assert net.layers[-1].weight.grad is not None


def test_unknown_head_raises():
    with pytest.raises(ValueError, match="head"):
        MLP(n_features=4, n_classes=2, head="sigmoid")


def test_classifier_passes_the_head_through_module_params():
    X = np.random.RandomState(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = RebalancedNetClassifier(module__head="cosine", max_epochs=2, random_state=0).fit(X, y)
    assert isinstance(clf.module_.layers[-1], CosineLinear)
    assert clf.get_params()["module__head"] == "cosine"
