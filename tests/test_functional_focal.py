"""Focal loss against numbers worked out by hand from Lin et al.'s equation."""

import math

import pytest
import torch
import torch.nn.functional as F

from skrebalance.functional import focal_loss, reduce_loss
from skrebalance.losses import ClassWeightedFocalLoss


def _hand_focal(p_t, gamma, alpha=1.0):
    return -alpha * (1 - p_t) ** gamma * math.log(p_t)


def test_focal_against_hand_values():
    # logits (2, 0): p_0 = e^2 / (e^2 + 1); logits (0, 0): p = 1/2
    logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    target = torch.tensor([0, 1])
    p0 = math.exp(2) / (math.exp(2) + 1)
    per_example = focal_loss(logits, target, gamma=2.0, reduction="none")
    torch.testing.assert_close(
        per_example, torch.tensor([_hand_focal(p0, 2), _hand_focal(0.5, 2)]))
    # (1 - p_0)^2 = (1 / (1 + e^2))^2 = 0.0142093, -log p_0 = 0.1269280
    # 0.5 * (0.1269280 * 0.0142093 + 0.6931472 * 0.25) = 0.0875452
    assert focal_loss(logits, target, gamma=2.0).item() == pytest.approx(0.0875452, abs=1e-6)


def test_gamma_zero_is_cross_entropy_exactly():
    torch.manual_seed(0)
    logits, target = torch.randn(64, 5), torch.randint(0, 5, (64,))
    torch.testing.assert_close(
        focal_loss(logits, target, gamma=0.0), F.cross_entropy(logits, target), rtol=1e-6, atol=0
    )


def test_alpha_and_reduction_convention():
    logits = torch.zeros(3, 2)  # every p = 1/2, CE = ln 2
    target = torch.tensor([0, 1, 1])
    alpha = torch.tensor([0.5, 1.5])
    ln2 = math.log(2)
    # "mean" divides the weighted sum by the batch size, not by sum(alpha_y)
    expected = (0.5 + 1.5 + 1.5) * ln2 / 3
    assert focal_loss(logits, target, gamma=0.0, alpha=alpha).item() == pytest.approx(expected)
    assert focal_loss(logits, target, 0.0, alpha, reduction="sum").item() == pytest.approx(3 * expected)
    torch_mean = F.cross_entropy(logits, target, weight=alpha).item()
    assert torch_mean == pytest.approx(ln2)  # torch normalises by sum of weights
    assert focal_loss(logits, target, 0.0, sample_weight=torch.tensor([1.0, 0.0, 2.0]),
                      reduction="mean").item() == pytest.approx(ln2)


def test_focal_down_weights_easy_examples_more():
    logits = torch.tensor([[4.0, 0.0], [0.5, 0.0]])  # easy, hard (true class 0)
    target = torch.tensor([0, 0])
    ce = focal_loss(logits, target, gamma=0.0, reduction="none")
    fl = focal_loss(logits, target, gamma=2.0, reduction="none")
    ratio = fl / ce
    assert ratio[0] < ratio[1] < 1


def test_saturated_logits_stay_finite_and_grad_ok():
    logits = torch.tensor([[200.0, -200.0], [-200.0, 200.0]], requires_grad=True)
    loss = focal_loss(logits, torch.tensor([0, 0]), gamma=2.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("kwargs, match", [({"gamma": -1.0}, "gamma"), ({"reduction": "avg"}, "reduction")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        focal_loss(torch.zeros(1, 2), torch.tensor([0]), **kwargs)


def test_module_keeps_weights_in_a_buffer():
    loss = ClassWeightedFocalLoss(gamma=1.0, class_weight=torch.tensor([1.0, 2.0]))
    assert "class_weight" in dict(loss.named_buffers())
    assert "class_weight" in loss.state_dict()
    assert reduce_loss(torch.tensor([2.0, 4.0]), "sum").item() == 6.0
