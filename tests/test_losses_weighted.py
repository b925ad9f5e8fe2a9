"""ClassWeightedFocalLoss: class weights, per-row weights, the one reduction convention."""

import math

import torch

from skrebalance.losses import ClassWeightedFocalLoss


def test_sample_weight_multiplies_rows_and_mean_divides_by_batch_size():
    # zero logits, 2 classes: every row has -log p = log 2
    loss = ClassWeightedFocalLoss(class_weight=torch.tensor([1.0, 3.0]))
    target = torch.tensor([0, 1, 1])
    sw = torch.tensor([2.0, 1.0, 0.0])
    value = loss(torch.zeros(3, 2), target, sample_weight=sw)
    # (2 * 1 + 1 * 3 + 0 * 3) * log 2 / 3
    assert math.isclose(value.item(), 5 * math.log(2) / 3, rel_tol=1e-6)
    assert math.isclose(loss(torch.zeros(3, 2), target).item(), 7 * math.log(2) / 3, rel_tol=1e-6)


def test_set_class_weight_copies_in_place_never_aliases():
    loss = ClassWeightedFocalLoss()
    w = torch.tensor([1.0, 2.0])
    loss.set_class_weight(w)
    buffer = loss.class_weight
    assert buffer.data_ptr() != w.data_ptr()
    loss.set_class_weight(torch.tensor([3.0, 4.0]))
    assert loss.class_weight is buffer and buffer.tolist() == [3.0, 4.0]
    assert "class_weight" in loss.state_dict()
    assert loss.set_class_weight(None).class_weight is None
