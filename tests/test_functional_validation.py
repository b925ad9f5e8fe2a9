"""The input checks that several functions of skrebalance.functional share."""

import pytest
import torch

from skrebalance.functional import (
    class_log_prior,
    effective_number_weights,
    instance_difficulty,
    ldam_loss,
    ldam_margins,
    logit_adjusted_loss,
    posthoc_adjusted_logits,
)
from skrebalance.functional._class_accuracy import pooled_class_accuracy
from skrebalance.functional._class_weights import auto_beta
from skrebalance.functional._validation import (
    InvalidParameterError,
    check_class_vector,
    check_counts,
    check_same_shape,
)


def test_the_shared_checks_pass_valid_inputs_through():
    counts, logits = torch.tensor([0.0, 3.0]), torch.zeros(4, 2)
    assert check_counts(counts, "class_counts") is counts
    assert check_class_vector(logits, counts, "margins") is counts
    check_same_shape(counts, counts, ("a", "b"))


@pytest.mark.parametrize("bad", [[1.0, -1.0], [1.0, float("nan")], [1.0, float("inf")]])
@pytest.mark.parametrize("call, caller", [
    (class_log_prior, "class_log_prior"),
    (ldam_margins, "ldam_margins"),
    (effective_number_weights, "effective_number_weights"),
    (auto_beta, "auto_beta"),
])
def test_every_count_function_refuses_bad_counts_alike(call, caller, bad):
    with pytest.raises(InvalidParameterError,
                       match=f"^{caller}: class_counts must hold finite, non-negative counts"):
        call(bad)


@pytest.mark.parametrize("call, name", [
    (lambda v: ldam_loss(torch.zeros(2, 3), torch.tensor([0, 1]), v), "ldam_loss: margins"),
    (lambda v: logit_adjusted_loss(torch.zeros(2, 3), torch.tensor([0, 1]), v),
     "logit_adjusted_loss: log_prior"),
    (lambda v: posthoc_adjusted_logits(torch.zeros(2, 3), v),
     "posthoc_adjusted_logits: log_prior"),
])
def test_per_class_vectors_must_match_the_logits(call, name):
    with pytest.raises(InvalidParameterError,
                       match=rf"^{name} must have shape \(3,\) for logits of shape \(2, 3\)"):
        call(torch.zeros(2))


@pytest.mark.parametrize("call, message", [
    (lambda: instance_difficulty(torch.zeros(2), torch.zeros(3), c=1.0),
     "instance_difficulty: sum_du and sum_dl must have the same shape"),
    (lambda: pooled_class_accuracy([1, 2], [2, 2, 2]),
     "pooled_class_accuracy: hits and rows must have the same shape"),
])
def test_paired_tensors_must_have_one_shape(call, message):
    with pytest.raises(InvalidParameterError, match=f"^{message}, got"):
        call()
