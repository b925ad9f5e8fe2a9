"""The formulas of the package: pure functions on torch tensors.

Each formula lives here once; losses, samplers and strategies call it.
Only torch (and numpy) are imported here, never skorch or scikit-learn.
"""

from ._focal import focal_loss
from ._reduction import reduce_loss

__all__ = [
    "focal_loss",
    "reduce_loss",
]
