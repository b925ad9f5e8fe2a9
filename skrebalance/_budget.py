"""The training budget sized from the data: ``batch_size="auto"``, ``max_epochs="auto"``.

A fixed number of epochs gives a 300-row data set a few hundred optimizer
steps and a 100 000-row one tens of thousands. The automatic budget fixes
the number of optimizer *steps* instead (about :data:`TARGET_STEPS`) and
sizes the batch from the number of training rows :math:`n`:

.. math::

    b &= \\min\\bigl(n,\\ \\mathrm{clip}(2^{\\mathrm{round}(\\log_2(n / 16))},\\ 32,\\ 256)\\bigr)
         \\quad (n < 2^{16})

    b &= \\min\\bigl(8192,\\ 512 \\cdot 2^{\\lfloor \\log_2(n / 2^{16}) / 4 \\rfloor}\\bigr)
         \\quad (n \\ge 2^{16})

    s &= \\lceil n / b \\rceil \\quad \\text{(steps per epoch)}

    E &= \\mathrm{clip}(\\lceil 1000 / s \\rceil,\\ 20,\\ 300)

Below :data:`LARGE_ROWS` (65,536) training rows, the rule is the one every
development suite was tuned with. From there on the batch is 512 and doubles
with every sixteenfold growth of the data (512 up to 1,048,575 rows, 1024 up
to 16.7 million, ...): on a GPU a small net's step costs about the same
whatever the batch, and 20 epochs of batch 256 on a million rows were 78,000
such steps. The rule was chosen by ``benchmarks/budget.py`` (the user guide's
GPU page has the figures): a batch doubling with every fourfold growth was
twice as fast again but lost 0.004 balanced accuracy at a million rows.
"""

import math

__all__ = ["auto_batch_size", "auto_max_epochs", "fit_budget", "resolve_budget"]

#: optimizer steps the automatic number of epochs aims at
TARGET_STEPS = 1000
#: bounds of the automatic batch size (before capping at the number of rows)
MIN_BATCH, MAX_BATCH = 32, 256
#: bounds of the automatic number of epochs
MIN_EPOCHS, MAX_EPOCHS = 20, 300
#: training rows from which the automatic batch grows with the data
LARGE_ROWS = 2 ** 16
#: automatic batch at LARGE_ROWS rows, and its upper bound on larger data
LARGE_BATCH, MAX_LARGE_BATCH = 512, 8192


def auto_batch_size(n_rows):
    """``batch_size="auto"``: about ``n_rows / 16``, a power of two in [32, 256], at most ``n_rows``.

    From :data:`LARGE_ROWS` rows on: 512, doubled for every sixteenfold
    growth of ``n_rows``, at most 8192.

    Parameters
    ----------
    n_rows : int
        Number of training rows (>= 1).

    Returns
    -------
    int

    Examples
    --------
    >>> auto_batch_size(300), auto_batch_size(1000), auto_batch_size(20), auto_batch_size(60000)
    (32, 64, 20, 256)
    >>> auto_batch_size(10**5), auto_batch_size(8 * 10**5), auto_batch_size(2**24)
    (512, 512, 2048)
    """
    n_rows = int(n_rows)
    if n_rows < 1:
        raise ValueError(f"n_rows must be >= 1, got {n_rows}.")
    if n_rows >= LARGE_ROWS:
        return _large_data_batch(n_rows)
    return _small_data_batch(n_rows)


def _small_data_batch(n_rows):
    # the rule the development suites were tuned with, whatever the size
    size = 2 ** round(math.log2(max(n_rows / 16, 1)))
    return min(n_rows, max(MIN_BATCH, min(MAX_BATCH, size)))


def _large_data_batch(n_rows, growth=16):
    # LARGE_BATCH, doubled with every ``growth``-fold growth beyond LARGE_ROWS
    doublings = int(math.log2(n_rows / LARGE_ROWS)) // int(math.log2(growth))
    return min(MAX_LARGE_BATCH, LARGE_BATCH * 2 ** doublings)


def auto_max_epochs(n_rows, batch_size):
    """``max_epochs="auto"``: epochs giving about 1000 optimizer steps, within [20, 300].

    Parameters
    ----------
    n_rows : int
        Number of training rows (>= 1).
    batch_size : int
        Training batch size (``-1``: the whole set).

    Returns
    -------
    int

    Examples
    --------
    >>> auto_max_epochs(300, 32)   # 10 steps per epoch
    100
    >>> auto_max_epochs(60000, 256)  # 235 steps per epoch
    20
    """
    batch_size = n_rows if batch_size == -1 else batch_size
    steps_per_epoch = math.ceil(n_rows / max(1, min(batch_size, n_rows)))
    return max(MIN_EPOCHS, min(MAX_EPOCHS, math.ceil(TARGET_STEPS / steps_per_epoch)))


def resolve_budget(batch_size, max_epochs, n_rows):
    """The ``(batch_size, max_epochs)`` a fit on ``n_rows`` rows uses.

    ``"auto"`` values follow :func:`auto_batch_size` / :func:`auto_max_epochs`;
    integers pass through (``-1``, the whole set, included).

    Examples
    --------
    >>> resolve_budget("auto", "auto", 300)
    (32, 100)
    >>> resolve_budget(-1, "auto", 300)
    (-1, 300)
    >>> resolve_budget(128, 50, 300)
    (128, 50)
    """
    if batch_size == "auto":
        batch_size = auto_batch_size(n_rows)
    if max_epochs == "auto":
        max_epochs = auto_max_epochs(n_rows, batch_size)
    return batch_size, max_epochs


def fit_budget(net, X=None):
    """The ``(batch_size, max_epochs)`` of ``net``'s current fit.

    Resolves ``"auto"`` from the training rows (``net.train_y_``, the rows
    after the validation split, during a fit; else ``X``) and the training
    batch size (``iterator_train__batch_size`` wins over ``batch_size``, as in
    skorch). Callbacks and strategies that need the schedule's length call it
    in ``on_train_begin``, so every part of a fit sees the same budget.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> net = SimpleNamespace(train_y_=range(300), batch_size="auto", max_epochs="auto",
    ...                       get_params_for=lambda prefix: {})
    >>> fit_budget(net)
    (32, 100)
    """
    train_y = getattr(net, "train_y_", None)
    n_rows = len(train_y) if train_y is not None else len(X)
    batch_size = net.get_params_for("iterator_train").get("batch_size", net.batch_size)
    return resolve_budget(batch_size, net.max_epochs, n_rows)
