"""Tensors a loss module derives from its buffers, cached until a buffer changes."""


import torch


def capturing():
    """Whether a CUDA graph is being captured on the current stream (``False`` without CUDA)."""
    return torch.cuda.is_available() and torch.cuda.is_current_stream_capturing()


class DerivedTensorCache:
    """Mixin of a :class:`torch.nn.Module` that caches tensors derived from its buffers.

    :meth:`_cached` builds a derived tensor (a weight table, the region
    bounds) once per state of the buffers it reads, instead of once per
    batch. The cache ``_cache`` (a dict; entries other than those of
    :meth:`_cached` may be stored there too) is emptied when the module moves
    or changes dtype (``.to(device)``, ``.double()``) and is never pickled;
    the module empties it itself when it replaces its state otherwise.
    """

    def _apply(self, fn, *args, **kwargs):
        self._cache = {}  # .to(device), .double(): derived tensors are rebuilt
        return super()._apply(fn, *args, **kwargs)

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__
        return {**state, "_cache": {}}

    def _cached(self, name, a, b, build):
        """``build()``, again only when tensor ``a`` or ``b`` was replaced or changed in place.

        The entry holds ``a`` and ``b``, so their ids cannot be re-used by
        other tensors; their ``_version`` counts the in-place changes.
        While a CUDA graph is captured nothing is cached: the graph computes
        the derived tensors from the buffers at every replay (a replay
        changes buffers without counting ``_version``, so a module with a
        captured step also empties its cache when its state moves on, e.g.
        at every epoch end).
        """
        if capturing():
            return build()
        hit = self._cache.get(name)
        if (hit is None or hit[0] is not a or hit[1] is not b
                or hit[2] != a._version or hit[3] != b._version):
            hit = self._cache[name] = (a, b, a._version, b._version, build())
        return hit[4]
