"""The formulas of the package: pure functions on torch tensors.

Each formula lives here once; losses, samplers and strategies call it.
Only torch (and numpy) are imported here, never skorch or scikit-learn.
"""

from ._focal import focal_loss
from ._reduction import reduce_loss
from ._class_weights import cdb_tau, cdb_weights, class_difficulty_bias, effective_number_weights
from ._instance_difficulty import instance_difficulty, psi_split
from ._ghm import (
    aura_edges,
    aura_widths,
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_histogram,
    ghm_normalize_weights,
    ghm_rebin,
    ghm_region_index,
    ghm_uniform_edges,
    gradient_norm,
)

__all__ = [
    "aura_edges",
    "aura_widths",
    "ghm_cwap_loss",
    "ghm_cwap_margins",
    "ghm_cwap_weight_table",
    "ghm_effective_sizes",
    "ghm_histogram",
    "ghm_normalize_weights",
    "ghm_rebin",
    "ghm_region_index",
    "ghm_uniform_edges",
    "gradient_norm",
    "cdb_tau",
    "cdb_weights",
    "class_difficulty_bias",
    "effective_number_weights",
    "instance_difficulty",
    "psi_split",
    "focal_loss",
    "reduce_loss",
]
