"""Device-resident batch iteration and weighted draws."""

import numpy as np
import torch
from scipy.stats import chisquare

from skrebalance.samplers import (
    DeviceBatchIterator,
    DeviceWeightedSampler,
    IndexSampler,
    weighted_draw,
)


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


class FixedOrder:
    def __init__(self, order):
        self.order = order

    def __len__(self):
        return len(self.order)

    def sample(self, generator=None, device=None):
        return self.order


def test_iterator_batches_cover_sampler_order_with_weights_and_index():
    X = torch.arange(10.0).view(10, 1)
    y = torch.arange(10)
    w = torch.arange(10.0) / 10
    order = torch.tensor([9, 8, 7, 1, 2])
    it = DeviceBatchIterator(X, y, batch_size=2, sampler=FixedOrder(order), sample_weight=w)
    batches = list(it)
    assert [b[1].tolist() for b in batches] == [[9, 8], [7, 1], [2]]
    assert [b.index.tolist() for b in batches] == [[9, 8], [7, 1], [2]]
    torch.testing.assert_close(batches[0].sample_weight, torch.tensor([0.9, 0.8]))
    assert len(it) == 3
    np.testing.assert_array_equal(torch.cat([b[0] for b in batches]).view(-1).numpy(), order.numpy())
    dropped = DeviceBatchIterator(X, y, batch_size=2, sampler=FixedOrder(order), drop_last=True)
    assert len(dropped) == 2 and [len(b[1]) for b in dropped] == [2, 2]


def test_iterator_without_sampler_is_in_order():
    X = torch.arange(5.0).view(5, 1)
    assert [xb.view(-1).tolist() for xb, yb in DeviceBatchIterator(X, None, 3)] == [[0, 1, 2], [3, 4]]


def test_sampler_shuffles_rows_and_follows_weight_updates_in_place():
    sampler = DeviceWeightedSampler(6, rows=torch.tensor([0, 2, 4]))
    gen = torch.Generator().manual_seed(0)
    assert sorted(sampler.sample(gen).tolist()) == [0, 2, 4] and len(sampler) == 3
    sampler.set_weights(torch.tensor([0.0, 9.0, 0.0, 0.0, 1.0, 9.0]))
    weights = sampler.weights
    draws = sampler.sample(gen)
    assert set(draws.tolist()) == {4}  # only row 4 of the rows has weight
    sampler.set_weights(torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    assert sampler.weights is weights  # updated in place
    assert set(sampler.sample(gen).tolist()) == {0}
    assert DeviceWeightedSampler(3, shuffle=False).sample().tolist() == [0, 1, 2]


def test_sampler_rejects_weights_of_wrong_shape():
    import pytest

    with pytest.raises(ValueError, match="shape"):
        DeviceWeightedSampler(3, weights=torch.ones(4))


def test_index_sampler_moves_host_indices_once_per_epoch():
    from torch.utils.data import WeightedRandomSampler

    sampler = IndexSampler(WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=5))
    assert len(sampler) == 5 and sampler.sample().tolist() == [1] * 5
