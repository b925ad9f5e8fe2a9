"""The cache of tensors derived from a module's buffers (skrebalance/losses/_tensor_cache.py)."""

import pickle

import torch
from torch import nn

from skrebalance.losses._tensor_cache import DerivedTensorCache


class _Doubled(DerivedTensorCache, nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("a", torch.ones(3))
        self.register_buffer("b", torch.zeros(3))
        self._cache = {}
        self.builds = 0

    def doubled(self):
        def build():
            self.builds += 1
            return 2 * self.a + self.b

        return self._cached("doubled", self.a, self.b, build)


def test_built_once_per_state_of_the_buffers():
    module = _Doubled()
    first = module.doubled()
    assert module.doubled() is first and module.builds == 1
    module.a.add_(1.0)  # in place: a new version
    assert torch.equal(module.doubled(), torch.full((3,), 4.0)) and module.builds == 2
    module.b = torch.ones(3)  # replaced
    assert torch.equal(module.doubled(), torch.full((3,), 5.0)) and module.builds == 3
    module.doubled()
    assert module.builds == 3


def test_moves_and_pickling_empty_the_cache():
    module = _Doubled()
    module.doubled()
    module.double()
    assert module._cache == {}
    assert module.doubled().dtype == torch.float64 and module.builds == 2
    loaded = pickle.loads(pickle.dumps(module))
    assert loaded._cache == {} and module._cache != {}
    assert torch.equal(loaded.doubled(), module.doubled())
