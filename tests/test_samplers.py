"""Device-resident batch iteration and weighted draws."""

import numpy as np
import torch
from scipy.stats import chisquare

from skrebalance.samplers import DeviceBatchIterator, weighted_draw


def test_weighted_draw_frequencies_match_weights():
    torch.manual_seed(0)
    weights = torch.tensor([1.0, 2.0, 3.0, 4.0, 0.0])
    counts = torch.bincount(weighted_draw(weights, 200_000), minlength=5).numpy()
    assert counts[4] == 0
    expected = weights[:4].double().numpy() / weights.sum().item() * counts.sum()
    assert chisquare(counts[:4], expected).pvalue > 0.001


def test_weighted_draw_unnormalised_and_tiny_weights():
    torch.manual_seed(0)
    idx = weighted_draw(torch.tensor([1e-30, 1e-30]), 1000)
    assert idx.min() >= 0 and idx.max() <= 1 and len(torch.unique(idx)) == 2


def test_iterator_batches_cover_index_order():
    X = torch.arange(10.0).view(10, 1)
    y = torch.arange(10)
    order = torch.tensor([9, 8, 7, 1, 2])
    it = DeviceBatchIterator(X, y, batch_size=2, index_fn=lambda: order)
    batches = list(it)
    assert [b[1].tolist() for b in batches] == [[9, 8], [7, 1], [2]]
    assert len(it) == 3
    np.testing.assert_array_equal(torch.cat([b[0] for b in batches]).view(-1).numpy(), order.numpy())


def test_iterator_without_index_fn_is_in_order():
    X = torch.arange(5.0).view(5, 1)
    assert [xb.view(-1).tolist() for xb, yb in DeviceBatchIterator(X, None, 3)] == [[0, 1, 2], [3, 4]]
