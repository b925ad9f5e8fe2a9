"""Loss modules (pure torch): they keep their state in buffers."""

from ._weighted import ClassWeightedFocalLoss

__all__ = ["ClassWeightedFocalLoss"]
