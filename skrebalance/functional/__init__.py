"""The formulas of the package: pure functions on torch tensors.

Each formula lives here once; losses, samplers and strategies call it.
Only torch (and numpy) are imported here, never skorch or scikit-learn.
Inputs are checked once, by the public function (``check_input=True``, with
:mod:`._validation`, the counterpart of scikit-learn's ``Interval`` and
``StrOptions``); callers that already checked pass ``check_input=False``.
"""

from ._focal import focal_loss
from ._reduction import reduce_loss
from ._class_weights import cdb_tau, cdb_weights, class_difficulty_bias, effective_number_weights
from ._instance_difficulty import instance_difficulty, psi_split
from ._logit_adjustment import (
    class_counts,
    class_log_prior,
    logit_adjusted_loss,
    posthoc_adjusted_logits,
)
from ._ldam import ldam_loss, ldam_margins
from ._tde import causal_norm_logits, direction_logits, tde_logits, update_moving_feature_
from ._ghm import (
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_normalize_weights,
    gradient_norm,
)
from ._ghm_regions import (
    aura_edges,
    aura_widths,
    ghm_cell_bounds,
    ghm_cell_index,
    ghm_histogram,
    ghm_rebin,
    ghm_region_index,
    ghm_region_values,
    ghm_uniform_edges,
)

__all__ = [
    "aura_edges",
    "aura_widths",
    "ghm_cwap_loss",
    "ghm_cwap_margins",
    "ghm_cwap_weight_table",
    "ghm_effective_sizes",
    "ghm_cell_bounds",
    "ghm_cell_index",
    "ghm_histogram",
    "ghm_normalize_weights",
    "ghm_rebin",
    "ghm_region_index",
    "ghm_region_values",
    "ghm_uniform_edges",
    "gradient_norm",
    "cdb_tau",
    "cdb_weights",
    "class_difficulty_bias",
    "effective_number_weights",
    "instance_difficulty",
    "psi_split",
    "focal_loss",
    "class_counts",
    "class_log_prior",
    "logit_adjusted_loss",
    "posthoc_adjusted_logits",
    "ldam_loss",
    "ldam_margins",
    "reduce_loss",
    "causal_norm_logits",
    "direction_logits",
    "tde_logits",
    "update_moving_feature_",
]
