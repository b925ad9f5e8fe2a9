"""Re-balancing strategies: skorch callbacks that plug a loss and/or a sampler.

Importing a strategy module registers its name; :func:`available` lists them.
"""

from ._base import NoStrategy, RebalancingStrategy
from ._registry import available, get_strategy_class, register, resolve_strategies, unregister
from ._focal import FocalLoss, FocalLossStrategy
from ._class_balanced import ClassBalancedLoss, ClassBalancedLossStrategy
from ._cdb import CDB, CDBStrategy
from ._instance_difficulty import InstanceDifficulty, InstanceDifficultyStrategy
from ._ghm_cwap import GHMCWAP, GHMCWAPStrategy
from ._logit_adjustment import LogitAdjustmentStrategy
from ._balanced_softmax import BalancedSoftmaxStrategy
from ._ldam_drw import LDAMDRWStrategy
from ._tde import TDEStrategy

__all__ = [
    "BalancedSoftmaxStrategy",
    "CDB",
    "CDBStrategy",
    "ClassBalancedLoss",
    "ClassBalancedLossStrategy",
    "FocalLoss",
    "FocalLossStrategy",
    "GHMCWAP",
    "GHMCWAPStrategy",
    "InstanceDifficulty",
    "InstanceDifficultyStrategy",
    "LDAMDRWStrategy",
    "LogitAdjustmentStrategy",
    "NoStrategy",
    "RebalancingStrategy",
    "TDEStrategy",
    "available",
    "get_strategy_class",
    "register",
    "resolve_strategies",
    "unregister",
]
