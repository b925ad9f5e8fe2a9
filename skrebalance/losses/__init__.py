"""Loss modules (pure torch): they keep their state in buffers."""

from ._weighted import ClassWeightedFocalLoss
from ._ghm import GHMCWAPLoss

__all__ = ["ClassWeightedFocalLoss", "GHMCWAPLoss"]
