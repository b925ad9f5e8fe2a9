"""The shared base of LDAMLoss and LogitAdjustedLoss (skrebalance/losses/_class_vector.py)."""

import pytest
import torch
import torch.nn.functional as F

from skrebalance.losses import LDAMLoss, LogitAdjustedLoss
from skrebalance.losses._class_vector import ClassVectorLoss, set_class_buffer

LOGITS = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, 0.0], [0.2, 0.3, -0.4]])
TARGET = torch.tensor([2, 0, 1])


@pytest.mark.parametrize("loss", [LDAMLoss(s=1.0), LogitAdjustedLoss(tau=1.0)], ids=repr)
def test_unset_vectors_give_the_cross_entropy(loss):
    assert isinstance(loss, ClassVectorLoss)
    torch.testing.assert_close(loss(LOGITS, TARGET), F.cross_entropy(LOGITS, TARGET))
    weight = torch.tensor([1.0, 0.0, 2.0])
    torch.testing.assert_close(
        loss(LOGITS, TARGET, sample_weight=weight),
        (F.cross_entropy(LOGITS, TARGET, reduction="none") * weight).mean(),
    )


def test_each_loss_passes_its_buffers_and_scale():
    margins, class_weight = torch.tensor([0.1, 0.2, 0.3]), torch.tensor([1.0, 2.0, 0.5])
    ldam = LDAMLoss(s=2.0, margins=margins, class_weight=class_weight, reduction="none")
    shifted = LOGITS.clone()
    shifted[torch.arange(3), TARGET] -= margins[TARGET]
    expected = F.cross_entropy(2.0 * shifted, TARGET, reduction="none") * class_weight[TARGET]
    torch.testing.assert_close(ldam(LOGITS, TARGET), expected)

    log_prior = torch.tensor([-0.5, -1.0, -2.0])
    adjusted = LogitAdjustedLoss(tau=0.5, log_prior=log_prior, reduction="sum")
    expected = F.cross_entropy(LOGITS + 0.5 * log_prior, TARGET, reduction="sum")
    torch.testing.assert_close(adjusted(LOGITS, TARGET), expected)


def test_repr_names_the_scale_and_the_reduction():
    assert repr(LDAMLoss(s=4.0)) == "LDAMLoss(s=4.0, reduction='mean')"
    assert repr(LogitAdjustedLoss(tau=0.5, reduction="sum")) == (
        "LogitAdjustedLoss(tau=0.5, reduction='sum')")


def test_set_class_buffer_in_place_copy_or_unset():
    loss = LDAMLoss(margins=torch.zeros(3))
    buffer = loss.margins
    values = torch.tensor([1.0, 2.0, 3.0])
    set_class_buffer(loss, "margins", values)
    assert loss.margins is buffer and torch.equal(buffer, values)  # same shape: in place
    values += 1.0
    assert torch.equal(loss.margins, torch.tensor([1.0, 2.0, 3.0]))  # never aliased
    set_class_buffer(loss, "margins", [1, 2])  # another shape: a float32 copy
    assert loss.margins.dtype == torch.float32 and loss.margins.shape == (2,)
    assert "margins" in loss.state_dict()
    set_class_buffer(loss, "margins", None)
    assert loss.margins is None
    with pytest.raises(ValueError, match="1-d"):
        set_class_buffer(loss, "margins", torch.zeros(2, 2))


def test_checks_run_once_in_init():
    with pytest.raises(ValueError, match="reduction"):
        LogitAdjustedLoss(reduction="avg")
    with pytest.raises(ValueError, match="LDAMLoss: s"):
        LDAMLoss(s=0.0)
