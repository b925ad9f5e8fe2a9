"""Re-balancing strategies: skorch callbacks that plug a loss and/or a sampler.

Importing a strategy module registers its name; :func:`available` lists them.
"""

from ._base import NoStrategy, RebalancingStrategy
from ._registry import available, get_strategy_class, register, resolve_strategies, unregister
from ._focal import FocalLoss
from ._class_balanced import ClassBalancedLoss
from ._cdb import CDB
from ._instance_difficulty import InstanceDifficulty
from ._ghm_cwap import GHMCWAP, GHMCWAPStrategy

__all__ = [
    "CDB",
    "ClassBalancedLoss",
    "FocalLoss",
    "GHMCWAP",
    "GHMCWAPStrategy",
    "InstanceDifficulty",
    "NoStrategy",
    "RebalancingStrategy",
    "available",
    "get_strategy_class",
    "register",
    "resolve_strategies",
    "unregister",
]
