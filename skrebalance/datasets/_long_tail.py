"""Long-tailed versions of a data set (the protocol of Cui et al. and Yu et al.)."""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.utils import check_random_state


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
