"""Long-tailed versions of a data set (the protocol of Cui et al. and Yu et al.)."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from imblearn.datasets import make_imbalance
from sklearn.utils import Bunch, check_consistent_length, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

_RATIO = Interval(Real, 1, None, closed="left")


def _check_ratio(imbalance_ratio):
    # sklearn's Interval(Real, ...) lets booleans through
    if isinstance(imbalance_ratio, (bool, np.bool_)):
        raise ValueError(
            f"imbalance_ratio must be a finite number >= 1, got {imbalance_ratio!r}."
        )


def _check_Xy(X, y):
    y_arr = np.asarray(y)
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y_arr.shape}.")
    check_consistent_length(X, y_arr)
    return y_arr


def _take(data, idx):
    return data.iloc[idx] if hasattr(data, "iloc") else np.asarray(data)[idx]


def _sample(y, counts, rng):
    """Sorted row indices keeping ``counts[c]`` random rows of each class ``c``.

    The draw is imbalanced-learn's :func:`~imblearn.datasets.make_imbalance`
    (random under-sampling without replacement), applied to the row indices.
    """
    rows = np.arange(len(y)).reshape(-1, 1)
    kept, _ = make_imbalance(rows, y, sampling_strategy=counts, random_state=rng)
    return np.sort(kept.ravel())


@validate_params(
    {
        "n_max": [Interval(Integral, 1, None, closed="left")],
        "n_classes": [Interval(Integral, 1, None, closed="left")],
        "imbalance_ratio": [_RATIO],
    },
    prefer_skip_nested_validation=True,
)
def long_tailed_profile(n_max, n_classes, imbalance_ratio):
    """Class sizes of an exponentially decaying (long-tailed) profile.

    Class ``i = 0, ..., k - 1`` of ``k`` classes gets (Cui et al., 2019)

    .. math:: n_i = \\max\\big(1, \\lfloor n_{max} \\cdot
              (1 / \\mathrm{IR})^{i / (k - 1)} \\rfloor\\big),

    so that ``n_0 = n_max`` and ``n_{k-1} = n_max / IR`` (a floor within
    ``1e-9`` of an integer is rounded to it, to absorb floating-point error).

    Parameters
    ----------
    n_max : int
        Size of the head class, ``>= 1``.
    n_classes : int
        Number of classes ``k``, ``>= 1`` (one class gets ``n_max``).
    imbalance_ratio : float
        Ratio ``IR = n_0 / n_{k-1}``, ``>= 1``.

    Returns
    -------
    counts : ndarray of shape (n_classes,)
        Non-increasing ``int64`` class sizes, head first.

    References
    ----------
    Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced Loss
    Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from skrebalance.datasets import long_tailed_profile
    >>> long_tailed_profile(500, 3, 100).tolist()
    [500, 50, 5]
    """
    _check_ratio(imbalance_ratio)
    if n_classes == 1:
        return np.array([n_max], dtype=np.int64)
    exponent = np.arange(n_classes) / (n_classes - 1)
    counts = np.floor(n_max * float(imbalance_ratio) ** -exponent + 1e-9)
    return np.maximum(1, counts).astype(np.int64)


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "imbalance_ratio": [_RATIO],
        "random_state": ["random_state"],
        "class_order": [StrOptions({"sorted", "shuffle"})],
    },
    prefer_skip_nested_validation=True,
)
def make_long_tailed(X, y, imbalance_ratio, random_state=None, *, class_order="sorted"):
    """Subsample a data set to an exponentially decaying (long-tailed) profile.

    The classes are put in an order (their sorted labels, ``np.unique(y)``, or
    a random permutation) and class ``i`` of ``k`` keeps

    .. math:: n_i = \\max\\big(1, \\min(\\text{available}_i,
              \\lfloor n_{max} \\cdot \\mathrm{IR}^{-i / (k - 1)} \\rfloor)\\big)

    randomly chosen instances (without replacement, by
    :func:`imblearn.datasets.make_imbalance`), where ``n_max`` is the count of
    the first class (which is kept whole); see :func:`long_tailed_profile`.
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
        Controls the class order (``class_order="shuffle"``) and the random
        choice of the kept instances.
    class_order : {"sorted", "shuffle"}, default="sorted"
        ``"sorted"``: the head is the smallest label; ``"shuffle"``: the order
        is a permutation drawn from ``random_state``, as in the long-tailed
        protocol where each seed gets its own head and tail classes.

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

    See Also
    --------
    long_tailed_split : Long-tailed training set, balanced test set and the
        many/medium/few-shot classes.

    Examples
    --------
    >>> import numpy as np
    >>> from skrebalance.datasets import load_dataset, make_long_tailed
    >>> X, y = load_dataset("digits")
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10, random_state=0)
    >>> np.bincount(y_lt).tolist()
    [178, 137, 106, 82, 63, 49, 38, 29, 22, 17]
    """
    _check_ratio(imbalance_ratio)
    y_arr = _check_Xy(X, y)
    rng = check_random_state(random_state)
    classes, counts = np.unique(y_arr, return_counts=True)
    if class_order == "shuffle":
        perm = rng.permutation(len(classes))
        classes, counts = classes[perm], counts[perm]
    profile = long_tailed_profile(int(counts[0]), len(classes), imbalance_ratio)
    targets = dict(zip(classes.tolist(), np.minimum(counts, profile).tolist()))
    idx = _sample(y_arr, targets, rng)
    return _take(X, idx), _take(y, idx)


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "imbalance_ratio": [_RATIO],
        "test_size_per_class": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def long_tailed_split(X, y, imbalance_ratio, *, test_size_per_class=None, random_state=None):
    """Split a pool into a long-tailed training set and a balanced test set.

    The long-tailed protocol of Cui et al. (2019) and Yu et al. (2022):

    1. the test set takes ``t`` random rows of every class (equal class sizes);
    2. the classes are put in a random order (drawn from ``random_state``, so
       each seed has its own head and tail) and class ``i`` of the ``k``
       classes keeps ``n_i`` random rows of what is left,
       ``n_i = max(1, floor(n_max * (1 / IR)^(i / (k - 1))))``
       (:func:`long_tailed_profile`), with ``n_max`` the size of the smallest
       class of what is left, so that every class can give its ``n_i`` (on
       a pool with ``n_max < IR`` the tail classes keep one row each, and
       the realised ratio is ``n_max``);
    3. the classes are grouped, in that order, into many-shot (the first
       ``round(k / 3)``), few-shot (the last ``round(k / 3)``) and
       medium-shot classes (the others), i.e. thirds by training count.

    Rows are drawn without replacement by
    :func:`imblearn.datasets.make_imbalance`; both sets keep the pool's row
    order.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        The pool.
    y : array-like of shape (n_samples,)
        Class labels; at least two classes.
    imbalance_ratio : float
        Ratio ``IR = n_max / n_min`` of the training profile, ``>= 1``.
    test_size_per_class : int, float in (0, 1) or None, default=None
        Test rows per class: an int is a count, a float a fraction of the
        smallest class of the pool (floored, at least 1 row), None a quarter
        of it. Each class must keep at least one row for training.
    random_state : int, RandomState instance or None, default=None
        Controls the test rows, the class order and the training rows.

    Returns
    -------
    split : :class:`~sklearn.utils.Bunch`
        With ``X_train``, ``y_train``, ``X_test``, ``y_test`` (same container
        types as ``X`` and ``y``), ``train_indices`` and ``test_indices``
        (rows of the pool), ``class_order`` (labels, head first),
        ``train_counts`` (training rows per class of ``class_order``),
        ``n_max``, ``test_size_per_class`` (the ``t`` used) and
        ``many_shot_classes``, ``medium_shot_classes``, ``few_shot_classes``
        (label arrays).

    Raises
    ------
    ValueError
        If ``imbalance_ratio < 1``, ``y`` has fewer than two classes, or the
        test set would take every row of a class.

    References
    ----------
    Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced Loss
    Based on Effective Number of Samples", CVPR 2019.

    S. Yu, J. Guo, R. Zhang, Y. Fan, Z. Wang and X. Cheng, "A Re-Balancing
    Strategy for Class-Imbalanced Classification Based on Instance
    Difficulty", CVPR 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skrebalance.datasets import load_dataset, long_tailed_split
    >>> X, y = load_dataset("synthetic")
    >>> split = long_tailed_split(X, y, imbalance_ratio=10, random_state=0)
    >>> split.train_counts.tolist()
    [375, 290, 224, 174, 134, 104, 80, 62, 48, 37]
    >>> np.unique(split.y_test, return_counts=True)[1].tolist()
    [125, 125, 125, 125, 125, 125, 125, 125, 125, 125]
    >>> [len(split[f"{g}_shot_classes"]) for g in ("many", "medium", "few")]
    [3, 4, 3]
    """
    _check_ratio(imbalance_ratio)
    y_arr = _check_Xy(X, y)
    rng = check_random_state(random_state)
    classes, counts = np.unique(y_arr, return_counts=True)
    k = len(classes)
    if k < 2:
        raise ValueError(f"y must hold at least two classes, got {k}.")
    smallest = int(counts.min())
    if test_size_per_class is None:
        test_size_per_class = 0.25
    t = test_size_per_class
    if isinstance(t, Real) and not isinstance(t, Integral):
        t = max(1, math.floor(t * smallest))
    if t >= smallest:
        raise ValueError(
            f"test_size_per_class={test_size_per_class!r} takes {t} rows per class, "
            f"but the smallest class has {smallest}: none would be left to train on."
        )

    test_idx = _sample(y_arr, dict.fromkeys(classes.tolist(), int(t)), rng)
    pool_idx = np.setdiff1d(np.arange(len(y_arr)), test_idx)
    order = classes[rng.permutation(k)]
    n_max = smallest - int(t)
    train_counts = long_tailed_profile(n_max, k, imbalance_ratio)
    kept = _sample(y_arr[pool_idx], dict(zip(order.tolist(), train_counts.tolist())), rng)
    train_idx = pool_idx[kept]

    edge = round(k / 3)
    return Bunch(
        X_train=_take(X, train_idx),
        y_train=_take(y, train_idx),
        X_test=_take(X, test_idx),
        y_test=_take(y, test_idx),
        train_indices=train_idx,
        test_indices=test_idx,
        class_order=order,
        train_counts=train_counts,
        n_max=n_max,
        test_size_per_class=int(t),
        many_shot_classes=order[:edge],
        medium_shot_classes=order[edge : k - edge],
        few_shot_classes=order[k - edge :],
    )
