"""skrebalance: class-imbalance re-balancing for skorch neural nets in scikit-learn."""

from . import functional, losses, strategies
from .classifier import RebalancedNetClassifier
from .modules import MLP, CausalNormLinear, CosineLinear

__version__ = "0.1.0.dev0"

__all__ = ["CausalNormLinear", "CosineLinear", "MLP", "RebalancedNetClassifier", "functional", "losses", "strategies", "__version__"]
