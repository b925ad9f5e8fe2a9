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


# ---------------------------------------------------------------------------
# saturated logits (issue 14, item 4): p_t rounds to 1 in float32 from logit
# gaps of about 17 on; (1 - p_t)^gamma then was 0^gamma, whose gradient is
# infinite for 0 < gamma < 1 (NaN after the chain rule).

GAMMAS = [0.1, 0.5, 0.9, 1.0, 2.0]
GAPS = [17.0, 20.0, 30.0, 40.0, 60.0, 100.0]


def _two_class_reference(gap, gamma):
    # float64 closed form for two classes, gap d = z_y - z_other, u = e^{-d}:
    #   -log p = log(1 + u),  1 - p = u / (1 + u),  l = log1p(u) (u / (1 + u))^gamma
    #   dl/du = q^gamma / (1 + u) + log1p(u) gamma q^(gamma - 1) / (1 + u)^2, q = u / (1 + u)
    #   dl/dz_y = dl/dd = -u dl/du, dl/dz_other = -dl/dz_y
    u = math.exp(-gap)
    q = u / (1 + u)
    value = math.log1p(u) * q**gamma
    dl_du = q**gamma / (1 + u) + math.log1p(u) * gamma * q ** (gamma - 1) / (1 + u) ** 2
    return value, -u * dl_du


@pytest.mark.parametrize("gamma", GAMMAS)
def test_saturated_logits_two_classes_against_float64_closed_form(gamma):
    gaps = torch.tensor(GAPS)
    logits = torch.stack([gaps, torch.zeros_like(gaps)], dim=1).requires_grad_(True)
    target = torch.zeros(len(GAPS), dtype=torch.long)
    per_example = focal_loss(logits, target, gamma=gamma, reduction="none")
    per_example.sum().backward()
    assert torch.isfinite(per_example).all() and torch.isfinite(logits.grad).all()
    reference = [_two_class_reference(gap, gamma) for gap in GAPS]
    expected_value = torch.tensor([v for v, _ in reference], dtype=torch.float64)
    expected_grad = torch.tensor([g for _, g in reference], dtype=torch.float64)
    # float32 result against float64 truth; values below ~1e-38 underflow to 0
    torch.testing.assert_close(per_example.double(), expected_value, rtol=1e-4, atol=1e-37)
    torch.testing.assert_close(logits.grad[:, 0].double(), expected_grad, rtol=1e-4, atol=1e-37)
    torch.testing.assert_close(logits.grad[:, 1], -logits.grad[:, 0])


def _float64_reference(logits, target, gamma):
    # float64, without cancellation: s = sum_{j != t} e^{z_j - z_t} > 0, then
    #   -log p_t = log(1 + s),  1 - p_t = s / (1 + s)
    z = logits.detach().double().requires_grad_(True)
    diff = z - z.gather(1, target[:, None])
    s = (diff.exp() * (1 - F.one_hot(target, z.shape[1]))).sum(1)
    value = torch.log1p(s) * (s / (1 + s)) ** gamma
    value.sum().backward()
    return value.detach(), z.grad


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_saturated_logits_multiclass_against_float64(gamma, scale):
    # 4 classes, gaps 17-100 between the target and the runner-up, at two
    # logit offsets (a shared offset must not matter)
    torch.manual_seed(0)
    gaps = torch.tensor(GAPS)
    rest = -torch.rand(len(GAPS), 3) * 5.0
    logits = torch.cat([gaps[:, None], rest], dim=1) + scale
    target = torch.zeros(len(GAPS), dtype=torch.long)
    z = logits.clone().requires_grad_(True)
    per_example = focal_loss(z, target, gamma=gamma, reduction="none")
    per_example.sum().backward()
    assert torch.isfinite(per_example).all() and torch.isfinite(z.grad).all()
    value, grad = _float64_reference(logits, target, gamma)
    torch.testing.assert_close(per_example.double(), value, rtol=1e-4, atol=1e-37)
    torch.testing.assert_close(z.grad.double(), grad, rtol=1e-3, atol=1e-37)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_saturated_logits_in_the_module_with_weights(gamma):
    # the class-weighted module (focal, class_balanced, CDB-W-FL all use it)
    loss = ClassWeightedFocalLoss(gamma=gamma, class_weight=torch.tensor([2.0, 0.5]))
    logits = torch.tensor([[40.0, 0.0], [0.0, 17.0], [0.3, 0.0]], requires_grad=True)
    loss(logits, torch.tensor([0, 1, 0])).backward()
    assert torch.isfinite(logits.grad).all()
    assert logits.grad[2].abs().sum() > 0  # the unsaturated row still learns


def test_single_class_logits_give_zero_loss():
    logits = torch.tensor([[3.0], [-2.0]], requires_grad=True)
    value = focal_loss(logits, torch.tensor([0, 0]), gamma=0.5)
    value.backward()
    assert value.item() == 0.0 and torch.isfinite(logits.grad).all()
