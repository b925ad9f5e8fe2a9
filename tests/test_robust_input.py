"""The robust input layer of the default MLP (skrebalance._robust_input)."""

import math

import numpy as np
import pytest
import torch

from skrebalance import MLP
from skrebalance._robust_input import RobustScaleInput, robust_statistics, smooth_clip


def test_statistics_by_hand():
    # column 0: 1, 2, 3, 4, 100 -> median 3, q25 2, q75 4, scale 2 / 1.349
    # column 1: 0, 0, 0, 0, 1 -> IQR 0 -> (max - min) / 2 = 0.5
    # column 2: constant -> 1
    # column 3: 0, 1, 2, 3 (+ 10): median 2, q25 1, q75 3 (linear interpolation)
    X = torch.tensor([[1.0, 0.0, 5.0, 0.0], [2.0, 0.0, 5.0, 1.0], [3.0, 0.0, 5.0, 2.0],
                      [4.0, 0.0, 5.0, 3.0], [100.0, 1.0, 5.0, 10.0]])
    center, scale = robust_statistics(X)
    assert center.tolist() == [3.0, 0.0, 5.0, 2.0]
    np.testing.assert_allclose(scale.tolist(), [2 / 1.349, 0.5, 1.0, 2 / 1.349], rtol=1e-6)


def test_statistics_interpolate_even_counts():
    # 4 rows 1, 2, 3, 10: median 2.5, q25 at position 0.75 -> 1.75, q75 at 2.25 -> 4.75
    center, scale = robust_statistics(torch.tensor([[1.0], [2.0], [3.0], [10.0]]))
    assert center.item() == pytest.approx(2.5)
    assert scale.item() == pytest.approx(3.0 / 1.349)
    assert robust_statistics(torch.tensor([[1.0], [2.0], [3.0], [10.0]]).numpy())[0] == 2.5


def test_smooth_clip_values():
    z = torch.tensor([0.0, 1.0, 3.0, -3.0, 30.0])
    expected = [0.0, 1 / math.sqrt(1 + 1 / 9), 3 / math.sqrt(2), -3 / math.sqrt(2),
                30 / math.sqrt(101)]
    np.testing.assert_allclose(smooth_clip(z).tolist(), expected, rtol=1e-6)
    assert smooth_clip(torch.tensor([1e30])).item() == pytest.approx(3.0)
    assert smooth_clip(torch.tensor([4.0]), bound=2.0).item() == pytest.approx(4 / math.sqrt(5))


def test_layer_forward_and_state_dict():
    X = torch.tensor([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0], [4.0, 7.0], [100.0, 7.0]])
    layer = RobustScaleInput(2)
    torch.testing.assert_close(layer(X), smooth_clip(X))  # identity statistics before fit
    huge = torch.tensor([[1e30, -1e30]])  # the in-place path stays finite, at the bound
    torch.testing.assert_close(layer(huge), torch.tensor([[3.0, -3.0]]))
    X_grad = X.clone().requires_grad_(True)  # the autograd path: same values
    torch.testing.assert_close(layer(X_grad), layer(X))
    layer.fit_input_statistics(X)
    out = layer(X)
    assert torch.isfinite(out).all()
    z = (100.0 - 3.0) / (2 / 1.349)
    assert out[4, 0].item() == pytest.approx(z / math.sqrt(1 + (z / 3) ** 2), rel=1e-5)
    assert out[:, 1].tolist() == [0.0] * 5  # constant column -> 0, finite
    assert set(layer.state_dict()) == {"center", "scale"}
    assert RobustScaleInput(2, clip=None)(torch.tensor([[10.0, 0.0]])).tolist() == [[10.0, 0.0]]


def test_layer_refuses_bad_input():
    with pytest.raises(ValueError, match="clip"):
        RobustScaleInput(2, clip=0)
    with pytest.raises(ValueError, match="shape"):
        RobustScaleInput(2).fit_input_statistics(torch.zeros(3, 4))


def test_mlp_input_scaling_option():
    X = torch.randn(50, 3) * 1e6
    scaled = MLP(3, 2)
    scaled.fit_input_statistics(X)
    assert scaled.input.center.tolist() == robust_statistics(X)[0].tolist()
    assert "input.center" in scaled.state_dict()
    plain = MLP(3, 2, input_scaling=None)
    plain.fit_input_statistics(X)  # no-op
    assert plain.input is None and "input.center" not in plain.state_dict()
    with pytest.raises(ValueError, match="input_scaling"):
        MLP(3, 2, input_scaling="standard")


def test_device_path_quartiles_equal_numpys():
    # the sort path (taken off the CPU) and numpy's partition path agree
    from skrebalance._robust_input import _quartiles, _sorted_quartiles

    X = torch.randn(1001, 4, generator=torch.Generator().manual_seed(0)) * 3 + 1
    for fast, sorted_ in zip(_quartiles(X), _sorted_quartiles(X)):
        torch.testing.assert_close(fast, sorted_)
    np.testing.assert_allclose(_sorted_quartiles(X[:10])[1].numpy(),
                               np.median(X[:10].numpy(), axis=0), rtol=1e-6)
