"""Loss modules (pure torch): they keep their state in buffers."""

from ._weighted import ClassWeightedFocalLoss
from ._ghm import GHMCWAPLoss
from ._logit_adjusted import LogitAdjustedLoss
from ._ldam import LDAMLoss

__all__ = ["ClassWeightedFocalLoss", "GHMCWAPLoss", "LDAMLoss", "LogitAdjustedLoss"]
