"""The studies: which data, which net, which variants, compared with which reference.

A *variant* changes one thing of a study's base net: a function of the fold
(its training labels and seed) returns the classifier parameters to set, and a
flag says whether the columns are standardised before the net. A study's base
net is either

- ``"recipe"``: ``RebalancedNetClassifier()`` as shipped, on raw numeric
  columns (categorical ones one-hot encoded), as ``benchmarks/uci.py``'s method
  ``default``; or
- ``"plain"``: ``benchmarks/uci.py``'s strategy nets without
  ``--net-recipe package``: MLP (64, 64), ``lr=0.01``, 50 epochs, batch 128,
  on standardised columns, ``strategy="none"`` unless the variant sets one.

Every net is seeded with its fold's seed (``uci.jobs.fold_seed``), as
``uci.py`` seeds every method of a fold.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from skorch.callbacks import Callback, EarlyStopping, EpochScoring
from skorch.dataset import ValidSplit
from sklearn.datasets import make_classification
from torch.utils.data import WeightedRandomSampler

import uci.jobs
from skrebalance._budget import MAX_EPOCHS, MIN_EPOCHS, auto_batch_size
from skrebalance.callbacks import WarmupCosineLR


@dataclass(frozen=True)
class Variant:
    """What changes, the classifier parameters of a fold, standardised columns or not."""

    what: str
    params: object = None  # callable (y_train, seed) -> dict, or None for {}
    z_score: bool = False

    def params_for(self, y_train, seed):
        return {} if self.params is None else dict(self.params(y_train, seed))


def fixed(**params):
    """Parameters that do not depend on the fold."""
    return lambda y_train, seed: params


@dataclass(frozen=True)
class Study:
    """An ablation: its data, its base net, its variants and what they are compared with."""

    name: str
    title: str
    data: str  # a suite of benchmarks/uci.py or a key of SYNTHETIC
    net: str  # "recipe" or "plain"
    variants: dict
    reference: str
    doc: str  # the page that cites it
    baselines: tuple = ()
    n_repeats: int = 1
    metrics: tuple = ("balanced_accuracy",)
    #: name -> function(fitted net) -> float, recorded with every fit
    extras: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Callbacks and budgets of the recipe's variants


class WeightEMA(Callback):
    """An exponential moving average of the weights, put into the module when training ends."""

    def __init__(self, decay=0.998):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.average_ = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        with torch.no_grad():
            for key, value in net.module_.state_dict().items():
                if value.is_floating_point():
                    self.average_[key].lerp_(value, 1.0 - self.decay)
                else:
                    self.average_[key].copy_(value)

    def on_train_end(self, net, **kwargs):
        net.module_.load_state_dict(self.average_)


class WarmupLinearLR(WarmupCosineLR):
    """The recipe's schedule with a linear decay to 0 after the warm-up instead of a cosine."""

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training or self.base_lrs_ is None:
            return
        total, step = self.total_steps_, min(self.step_, self.total_steps_ - 1)
        warmup = int(self.warmup_fraction * total)
        factor = ((step + 1) / warmup if step < warmup
                  else 1.0 - (step - warmup) / max(1, total - warmup))
        for group, base in zip(net.optimizer_.param_groups, self.base_lrs_):
            group["lr"] = base * factor
        net.history.record_batch("lr", self.base_lrs_[0] * factor)
        self.step_ += 1


def steps_budget(target_steps):
    """``batch_size="auto"`` with ``max_epochs`` sized for ``target_steps`` instead of 1000."""

    def params(y_train, seed):
        n = len(y_train)
        batch = auto_batch_size(n)
        steps = math.ceil(n / batch)
        return dict(batch_size=batch,
                    max_epochs=max(MIN_EPOCHS, min(MAX_EPOCHS, math.ceil(target_steps / steps))))

    return params


def best_epoch(y_train, seed):
    """A stratified 20 % validation split; the weights of the best epoch (balanced accuracy)."""
    return dict(
        train_split=ValidSplit(0.2, stratified=True, random_state=seed % 2**31),
        callbacks=[EpochScoring("balanced_accuracy", name="valid_bacc", lower_is_better=False),
                   EarlyStopping(monitor="valid_bacc", lower_is_better=False,
                                 patience=10**6, load_best=True)])


def balanced_sampling(y_train, seed):
    """Plain cross-entropy on rows drawn with replacement, each class equally often."""
    _, inverse, counts = np.unique(y_train, return_inverse=True, return_counts=True)
    weights = torch.as_tensor(1.0 / counts[inverse], dtype=torch.float64)
    return dict(strategy="none",
                iterator_train__sampler=WeightedRandomSampler(weights, len(y_train)))


# ---------------------------------------------------------------------------
# What a fitted net records besides its scores


def class_weight_ratio(net):
    """Largest over smallest class weight of the fitted strategy (1 without weights)."""
    weights = getattr(net.strategy_, "class_weight_", None)
    if weights is None:
        return 1.0
    weights = weights.detach().cpu()
    return float(weights.max() / weights.min())


def late_weight_jump(net, first=30):
    """CDB: the largest relative change of a class weight between consecutive epochs >= ``first``."""
    try:
        weights = np.asarray(net.history[:, "cdb_class_weight"], dtype=float)
    except KeyError:
        return np.nan
    late = weights[first - 1:]
    if len(late) < 2:
        return np.nan
    return float(np.max(np.abs(np.diff(late, axis=0)) / late[:-1]))


# ---------------------------------------------------------------------------
# Synthetic data sets (name -> (builder, folds))


def _frame(X, y, name, n_splits):
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    labels, counts = np.unique(y, return_counts=True)
    return uci.jobs.Dataset(name, X, np.asarray(y), len(labels),
                            dict(zip(labels.tolist(), counts.tolist())), n_splits, 0)


def rare_positives():
    """30,000 rows, 1.2 % positives (0.55 % asked for, and the default label noise); 3 folds."""
    X, y = make_classification(30000, n_features=20, n_informative=8, weights=[0.9945],
                               class_sep=0.8, random_state=0)
    return {"rare-positives-30000": _frame(X, y, "rare-positives-30000", 3)}


def three_class(n_samples):
    """The imbalanced 3-class check, seeds 0 to 4, 5 folds each."""
    def build():
        sets = {}
        for seed in range(5):
            X, y = make_classification(n_samples, n_features=8, n_informative=4, n_redundant=0,
                                       n_classes=3, n_clusters_per_class=1,
                                       weights=[0.8, 0.15, 0.05], flip_y=0.01,
                                       random_state=seed)
            name = f"3-class-{n_samples}-seed{seed}"
            sets[name] = _frame(X, y, name, 5)
        return sets
    return build


SYNTHETIC = {
    "rare-positives-30000": rare_positives,
    "3-class-400": three_class(400),
    "3-class-250": three_class(250),
}

# ---------------------------------------------------------------------------
# The studies

RECIPE = Study(
    "recipe", "the default recipe, each part changed alone", "keel-binary-dev", "recipe",
    reference="recipe", doc="docs/user_guide/defaults.rst (Ablation)",
    baselines=("BRF", "LightGBM-balanced", "LR-balanced"),
    variants={
        "recipe": Variant("the recipe as shipped (last weights)"),
        "weight_decay_0.1": Variant("weight decay 0.1", fixed(optimizer__weight_decay=0.1)),
        "ema": Variant("EMA of the weights (decay 0.998 per step)",
                       lambda y, seed: dict(callbacks=[WeightEMA(0.998)])),
        "linear_decay": Variant("linear decay instead of cosine",
                                lambda y, seed: dict(callbacks__lr_schedule=WarmupLinearLR())),
        "steps_500": Variant("500 steps", steps_budget(500)),
        "no_weight_decay": Variant("no weight decay", fixed(optimizer__weight_decay=0.0)),
        "no_dropout": Variant("no dropout", fixed(module__dropout=0.0)),
        "epochs_50_batch_128": Variant("fixed 50 epochs, batch 128",
                                       fixed(max_epochs=50, batch_size=128)),
        "z_score_input": Variant("z-score input instead of robust + clip",
                                 fixed(module__input_scaling=None), z_score=True),
        "adjusted_loss": Variant("logit adjustment in the loss", fixed(strategy__mode="loss")),
        "best_epoch": Variant("best epoch on a 20 % validation split", best_epoch),
        "constant_lr": Variant("constant learning rate", fixed(callbacks__lr_schedule=None)),
        "steps_2000": Variant("2000 steps", steps_budget(2000)),
        "class_weighted_ce": Variant("class-weighted cross-entropy",
                                     fixed(strategy="none", class_weight="balanced")),
        "balanced_sampling": Variant("balanced sampling", balanced_sampling),
        "posthoc_tau_1.5": Variant("post-hoc adjustment tau = 1.5",
                                   fixed(strategy__mode="posthoc", strategy__tau=1.5)),
        "raw_input": Variant("no input scaling (raw X)", fixed(module__input_scaling=None)),
    },
)

RECIPE_LONG_TAIL = Study(
    "recipe-long-tail", "the recipe's shift tau on the long tail (IR 50)", "long-tailed-dev",
    "recipe", reference="tau_1", doc="docs/user_guide/defaults.rst (Long-tailed data and tau)",
    baselines=("BRF", "LightGBM-balanced", "LR-balanced"), n_repeats=3,
    metrics=("accuracy", "few_shot_accuracy"),
    variants={f"tau_{t:g}": Variant(f"recipe, tau = {t:g}", fixed(strategy__tau=t))
              for t in (1.0, 1.5, 2.0, 2.5)},
)

def sweep(strategy, param, values, default, none_what):
    """Variants ``none``, then ``strategy`` with each value of ``param`` (labelled ``param_value``)."""
    def text(value):
        return f'"{value}"' if isinstance(value, str) else f"{value:g}"

    variants = {"none": Variant(none_what)}
    for value in values:
        what = f"{strategy}, {param}={text(value)}" + (" (the default)" if value == default else "")
        variants[f"{param}_{text(value).strip(chr(34))}"] = Variant(
            what, fixed(strategy=strategy, **{f"strategy__{param}": value}))
    return variants


_BETAS = sweep("class_balanced", "beta", (0.999, 0.99999, "auto"), "auto", "no re-weighting")

CLASS_BALANCED_BETA = Study(
    "class-balanced-beta", "class_balanced's beta on the binary development sets",
    "keel-binary-dev", "plain", reference="beta_0.999",
    doc="docs/user_guide/class_balanced.rst",
    variants={k: v for k, v in _BETAS.items() if k != "beta_0.99999"},
    extras={"weight_ratio": class_weight_ratio},
)

CLASS_BALANCED_BETA_LARGE = Study(
    "class-balanced-beta-large", "class_balanced's beta on 30,000 rows with 1.2 % positives",
    "rare-positives-30000", "plain", reference="beta_0.999",
    doc="docs/user_guide/class_balanced.rst", variants=_BETAS,
    extras={"weight_ratio": class_weight_ratio},
)

_CS = sweep("instance_difficulty", "c", (0.1, 1.0, "auto"), "auto", "no re-sampling")

INSTANCE_DIFFICULTY_C = Study(
    "instance-difficulty-c", "instance_difficulty's prior c on the binary development sets",
    "keel-binary-dev", "plain", reference="c_0.1",
    doc="docs/user_guide/instance_difficulty.rst", variants=_CS,
)

#: the cdb settings these studies measured (the defaults until issue 21): CDB-W-CE
#: on a held-out difficulty set; the pooling and the set are what they vary
_CDB_LOSS = dict(strategy__mode="loss", strategy__difficulty_set="holdout")


def _pinned(variant, **params):
    """``variant`` with ``params`` set as well (the variant's own values win)."""
    if variant.params is None:
        return variant
    return Variant(variant.what, lambda y, seed: {**params, **variant.params_for(y, seed)})


_MIN_ROWS = {
    **{key: _pinned(v, **_CDB_LOSS)
       for key, v in sweep("cdb", "min_rows", (1, 25, 50, 100), 50, "no re-balancing").items()},
    "train_set": Variant('cdb, difficulty_set="train" (pooled, min_rows=50)',
                         fixed(strategy="cdb", **{**_CDB_LOSS, "strategy__max_rows": None,
                                                  "strategy__difficulty_set": "train"})),
}

CDB_MIN_ROWS = Study(
    "cdb-min-rows", "cdb's pooling of small difficulty sets on the binary development sets",
    "keel-binary-dev", "plain", reference="min_rows_50", doc="docs/user_guide/cdb.rst",
    variants=_MIN_ROWS, extras={"late_jump": late_weight_jump},
)

CDB_MIN_ROWS_SYNTHETIC = {
    n: Study(f"cdb-min-rows-{n}", f"cdb's pooling on the imbalanced 3-class check, {n} rows",
             f"3-class-{n}", "plain", reference="min_rows_50", doc="docs/user_guide/cdb.rst",
             variants=_MIN_ROWS, extras={"late_jump": late_weight_jump})
    for n in (400, 250)
}

LDAM_SCALE = Study(
    "ldam-scale", "ldam_drw's scale s and output layer on the binary development sets",
    "keel-binary-dev", "plain", reference="s_30", doc="docs/user_guide/ldam_drw.rst",
    n_repeats=3,
    variants={
        **{f"s_{s:g}": Variant(f"ldam_drw, linear head, s={s:g}"
                               + (" (the default)" if s == 30 else ""),
                               fixed(strategy="ldam_drw", strategy__s=s))
           for s in (30.0, 60.0, 10.0, 1.0)},
        **{f"cosine_s_{s:g}": Variant(f"ldam_drw, cosine head, s={s:g}",
                                      fixed(strategy="ldam_drw", strategy__s=s,
                                            module__head="cosine"))
           for s in (30.0, 60.0)},
        "no_margins": Variant("ldam_drw, linear head, s=30, no margins (DRW alone)",
                              fixed(strategy="ldam_drw", strategy__max_margin=0.0)),
        "no_drw": Variant("ldam_drw, linear head, s=30, no DRW (LDAM alone)",
                          fixed(strategy="ldam_drw", strategy__drw_epoch=50)),
        "cosine_no_drw": Variant("ldam_drw, cosine head, s=30, no DRW",
                                 fixed(strategy="ldam_drw", strategy__drw_epoch=50,
                                       module__head="cosine")),
        "none": Variant("plain cross-entropy", fixed(strategy="none")),
        "logit_adjustment": Variant("logit_adjustment, post-hoc, tau = 1",
                                    fixed(strategy="logit_adjustment",
                                          strategy__mode="posthoc")),
        "balanced_softmax": Variant("balanced_softmax", fixed(strategy="balanced_softmax")),
    },
)

STUDIES = {s.name: s for s in (
    RECIPE, RECIPE_LONG_TAIL, CLASS_BALANCED_BETA, CLASS_BALANCED_BETA_LARGE,
    INSTANCE_DIFFICULTY_C, CDB_MIN_ROWS, *CDB_MIN_ROWS_SYNTHETIC.values(), LDAM_SCALE)}
