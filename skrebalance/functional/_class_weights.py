"""Class-level weights: effective number of samples and class-wise difficulty.

The formulas of the ``"class_balanced"`` (Cui et al., 2019) and ``"cdb"``
(Sinha et al., 2020/2022) strategies. Every function takes tensors (or
array-likes) and returns tensors; nothing here moves data to the host except
the input checks, which run once per call (once per fit or per epoch in the
strategies, never per batch).
"""

import math

import torch

from ._validation import as_vector, check_counts, check_options, check_scalar

#: names of the dynamic ``tau`` variants of CDB, in the order of the IJCV paper.
TAU_VARIANTS = ("linear", "poly", "log", "sigmoid")


def effective_number_weights(class_counts, beta="auto", normalize=True, check_input=True):
    r"""Class weights inversely proportional to the effective number of samples.

    Cui et al. model the data of a class as covering a volume that grows
    with diminishing returns: with :math:`n_c` examples the *effective
    number* is :math:`E_{n_c} = (1 - \beta^{n_c}) / (1 - \beta)`, and the
    class weight is its inverse,

    .. math::

        w_c = \frac{1 - \beta}{1 - \beta^{n_c}}, \qquad
        w_c \leftarrow C \, \frac{w_c}{\sum_k w_k} \quad (\text{normalize}),

    so the weights sum to the number of classes :math:`C`. ``beta=0`` gives
    equal weights; ``beta -> 1`` tends to inverse class frequency
    :math:`1 / n_c` (``beta=1`` is accepted and returns that limit).
    :math:`E_n` saturates at :math:`1 / (1 - \beta)` examples, so with
    ``beta=0.999`` classes of a few examples get nearly inverse-frequency
    weights while classes of several thousands are all treated alike.

    ``beta="auto"`` takes :math:`\beta = 1 - 1 / n_{\max}` (``auto_beta``):
    the paper's :math:`\beta = (N - 1) / N` with the volume :math:`N` of every
    class set to the largest class count. The weights then depend on the
    count ratios only, :math:`w_c / w_{\max} \approx (1 - e^{-1}) / (1 -
    e^{-n_c / n_{\max}})`, about :math:`0.63\, n_{\max} / n_c` for small
    classes, whatever the size of the data set.

    A class with zero count has effective number 0; it is given the weight of
    a class with one example (the largest finite weight) rather than an
    infinite one, so the result never holds ``inf`` or ``NaN``.

    Parameters
    ----------
    class_counts : torch.Tensor or array-like of shape (C,)
        Number of training examples of each class (non-negative).
    beta : float or "auto", default="auto"
        Hyper-parameter in ``[0, 1]``, or ``"auto"`` for
        :math:`1 - 1 / \max_c n_c`.
    normalize : bool, default=True
        Rescale the weights to sum to ``C``.
    check_input : bool, default=True
        Check ``class_counts`` and ``beta`` (one host synchronisation); callers
        that already did pass ``False``.

    Returns
    -------
    torch.Tensor of shape (C,), dtype float32
        On the device of ``class_counts`` when it is a tensor.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song, S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> effective_number_weights([1, 10, 100], beta=0.9)
    tensor([2.3932, 0.3674, 0.2393])
    >>> effective_number_weights([5, 500], beta=0.0)
    tensor([1., 1.])
    >>> effective_number_weights([1, 10, 100])  # "auto": beta = 1 - 1/100
    tensor([2.6777, 0.2800, 0.0422])
    """
    caller = "effective_number_weights"
    counts = as_vector(class_counts, "class_counts", caller)
    if check_input:
        check_counts(counts, "class_counts", caller)
        if not _is_auto(beta):
            check_scalar(beta, "beta", 0, 1, caller=caller)
    if _is_auto(beta):
        beta = auto_beta(counts, check_input=False)
    counts = counts.to(torch.float64 if counts.device.type == "cpu" else torch.float32)
    n = counts.clamp_min(1.0)  # a zero-count class is weighted as a one-example class
    if beta == 0:
        effective = torch.ones_like(n)
    elif beta == 1:
        effective = n
    else:
        # (1 - beta^n) / (1 - beta), with expm1 for accuracy when beta is near 1
        effective = -torch.expm1(n * math.log(beta)) / (1.0 - beta)
    weights = 1.0 / effective
    if normalize:
        weights = weights * (weights.shape[0] / weights.sum())
    return weights.to(torch.float32)


def _is_auto(beta):
    return isinstance(beta, str) and beta == "auto"


def auto_beta(class_counts, check_input=True):
    r"""The ``beta`` of the effective number set from the largest class count.

    .. math::

        \beta = 1 - \frac{1}{\max(n_{\max}, 1)}

    Cui et al. derive :math:`\beta = (N - 1) / N` from the volume :math:`N`
    of a class's feature space (the number of its unique prototypes) and tune
    one :math:`\beta` per data set. Taking :math:`N = n_{\max}`, the largest
    class count, assumes the largest class is made of distinct examples: no
    class is then deep in the saturated regime, the effective number of the
    largest class is :math:`(1 - (1 - 1/n_{\max})^{n_{\max}})\, n_{\max}
    \approx 0.63\, n_{\max}` and that of a class of :math:`n_c \ll n_{\max}`
    is about :math:`n_c`. The weight ratios depend on :math:`n_c / n_{\max}`
    only, so the same imbalance gets the same weights at any data size (a
    fixed ``beta=0.999`` caps every effective number near 1,000).

    Parameters
    ----------
    class_counts : torch.Tensor or array-like of shape (C,)
        Number of training examples of each class (non-negative).
    check_input : bool, default=True
        Check ``class_counts``; callers that already did pass ``False``.

    Returns
    -------
    float
        :math:`\beta \in [0, 1)`; 0 (equal weights) when no class has more
        than one example.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song, S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> auto_beta([1, 10, 100])
    0.99
    >>> auto_beta([165, 29835])  # 30k rows, 0.55 % positives
    0.9999664823194235
    """
    counts = as_vector(class_counts, "class_counts", "auto_beta")
    if check_input:
        check_counts(counts, "class_counts", "auto_beta")
    return 1.0 - 1.0 / max(float(counts.max()), 1.0)


def class_difficulty_bias(class_accuracy, eps=0.01, check_input=True):
    r"""The *difficulty bias* of a model: how unequal its class accuracies are.

    .. math::

        \mathrm{bias} = \max\Big(\frac{\max_c A_c}{\min_c A_c + \epsilon} - 1,\ 0\Big)

    Zero when every class is equally well classified (also when all are
    perfect, or all zero), and at most :math:`B_M = 1/\epsilon - 1` (one class
    perfect, another never right).

    Parameters
    ----------
    class_accuracy : torch.Tensor or array-like of shape (C,)
        Accuracy (recall) :math:`A_c \in [0, 1]` of each class.
    eps : float, default=0.01
        Smoothing :math:`\epsilon \in (0, 1)` of the denominator.
    check_input : bool, default=True
        Check the accuracies and ``eps`` (one host synchronisation); callers
        that already did (a strategy, once per epoch) pass ``False``.

    Returns
    -------
    torch.Tensor
        Scalar, on the device of ``class_accuracy``.

    References
    ----------
    .. [1] S. Sinha, H. Ohashi, K. Nakamura, "Class-Difficulty Based Methods
       for Long-Tailed Visual Recognition", IJCV 130, 2022.

    Examples
    --------
    >>> class_difficulty_bias([0.9, 0.5])  # 0.9 / 0.51 - 1
    tensor(0.7647, dtype=torch.float64)
    >>> class_difficulty_bias([1.0, 1.0])  # 1 / 1.01 - 1 < 0, clipped
    tensor(0., dtype=torch.float64)
    """
    acc = _accuracy(class_accuracy, eps, check_input, "class_difficulty_bias")
    return (acc.max() / (acc.min() + eps) - 1.0).clamp_min(0.0)


def _accuracy(class_accuracy, eps, check_input, caller):
    if not check_input:
        return class_accuracy
    acc = as_vector(class_accuracy, "class_accuracy", caller)
    if not bool(((acc >= 0) & (acc <= 1)).all()):  # also rejects NaN
        raise ValueError("class_accuracy must hold accuracies in [0, 1].")
    check_scalar(eps, "eps", 0, 1, closed="neither", caller=caller)
    return acc


def cdb_tau(bias, variant="sigmoid", max_tau=5.0, eps=0.01, power=2, check_input=True):
    r"""Dynamic exponent :math:`\tau` of CDB from the difficulty bias.

    With :math:`B_M = 1/\epsilon - 1` (the largest possible bias) and
    :math:`T_M` = ``max_tau``, the IJCV paper's variants are

    .. math::

        \tau_{\text{linear}} &= T_M \, \frac{\mathrm{bias}}{B_M} \\
        \tau_{\text{poly}} &= T_M \, \Big(\frac{\mathrm{bias}}{B_M}\Big)^{p} \\
        \tau_{\text{log}} &= T_M \, \frac{\log(\mathrm{bias} + 1)}{\log(B_M + 1)} \\
        \tau_{\text{sigmoid}} &= T_M \, \Big(\frac{2}{1 + e^{-\mathrm{bias}}} - 1\Big)

    All give 0 at bias 0 (equal accuracies: no re-weighting) and rise to
    :math:`T_M` at :math:`B_M` (the sigmoid one almost at once). The paper
    prints the log variant with a leading minus sign, which would make
    :math:`\tau` negative and up-weight the *easy* classes, against the
    method's purpose; the positive form is used here. ``bias`` is clipped to
    :math:`[0, B_M]`, so :math:`0 \le \tau \le T_M`.

    Parameters
    ----------
    bias : float or torch.Tensor
        Difficulty bias, see :func:`class_difficulty_bias` (``>= 0``).
    variant : {"linear", "poly", "log", "sigmoid"}, default="sigmoid"
        Which schedule.
    max_tau : float, default=5.0
        :math:`T_M \ge 0`, the largest exponent.
    eps : float, default=0.01
        The :math:`\epsilon` of the bias, which fixes :math:`B_M`.
    power : int, default=2
        Exponent :math:`p > 1` of the ``"poly"`` variant.
    check_input : bool, default=True
        Check the arguments (one host synchronisation); callers that already
        did pass ``False`` with ``bias`` a tensor.

    Returns
    -------
    torch.Tensor
        Scalar ``tau`` (same device as ``bias`` when it is a tensor).

    References
    ----------
    .. [1] S. Sinha, H. Ohashi, K. Nakamura, "Class-Difficulty Based Methods
       for Long-Tailed Visual Recognition", IJCV 130, 2022.

    Examples
    --------
    >>> cdb_tau(1.0, "linear")  # 5 * 1 / 99
    tensor(0.0505)
    >>> cdb_tau(1.0, "sigmoid")  # 5 * (2 / (1 + e^-1) - 1)
    tensor(2.3106)
    >>> cdb_tau(99.0, "log")
    tensor(5.)
    """
    if check_input:
        caller = "cdb_tau"
        check_options(variant, "variant", TAU_VARIANTS, caller)
        check_scalar(max_tau, "max_tau", 0, None, caller=caller)
        check_scalar(eps, "eps", 0, 1, closed="neither", caller=caller)
        check_scalar(power, "power", 2, None, integral=True, caller=caller)
    bias = torch.as_tensor(bias)
    if not bias.is_floating_point():
        bias = bias.to(torch.float32)
    if check_input:
        if bias.ndim != 0:
            raise ValueError(f"bias must be a scalar, got shape {tuple(bias.shape)}.")
        if not bool(bias >= 0):  # also rejects NaN
            raise ValueError(f"bias must be >= 0, got {float(bias)}.")
    b_max = 1.0 / eps - 1.0
    bias = bias.clamp(0.0, b_max)
    if variant == "linear":
        ratio = bias / b_max
    elif variant == "poly":
        ratio = (bias / b_max) ** int(power)
    elif variant == "log":
        ratio = torch.log1p(bias) / math.log1p(b_max)
    else:  # 2 / (1 + exp(-b)) - 1
        ratio = 2.0 * torch.sigmoid(bias) - 1.0
    return max_tau * ratio


def cdb_weights(class_accuracy, tau, eps=0.01, min_weight=0.0, check_input=True):
    r"""CDB class weights from class accuracies: hard classes weigh more.

    With difficulty :math:`d_c = \max(1 - A_c, \epsilon)` and exponent
    :math:`\tau`,

    .. math::

        w_c = (1 - m)\, C \, \frac{d_c^{\tau}}{\sum_k d_k^{\tau}} + m ,

    the paper's weights :math:`d_c^\tau` normalised to sum to :math:`C` (as
    in the authors' code), with two floors:

    - the difficulty is at least :math:`\epsilon` (accuracy is capped at
      :math:`1 - \epsilon`, the smoothing of
      :func:`class_difficulty_bias`). Without it a perfectly classified class
      (:math:`d_c = 0`) gets weight 0 for *any* :math:`\tau > 0`, however
      small, so the weights would jump from uniform to all-on-the-others as
      :math:`\tau` leaves 0; with it they move continuously, and all-perfect
      accuracies give uniform weights instead of :math:`0/0`;
    - the mixture with uniform weights, :math:`m` = ``min_weight``, keeps
      every weight at least :math:`m` (the weights still sum to :math:`C`),
      so that even with a large :math:`\tau` a class the model gets right
      stays in training and its difficulty is measured again.

    :math:`\tau = 0` gives uniform weights. Outside the floors
    (:math:`d_c \ge \epsilon`, ``min_weight=0``) this is the paper's formula
    exactly.

    Parameters
    ----------
    class_accuracy : torch.Tensor or array-like of shape (C,)
        Accuracy :math:`A_c \in [0, 1]` of each class.
    tau : float or torch.Tensor
        Exponent :math:`\tau \ge 0`, fixed or from :func:`cdb_tau`.
    eps : float, default=0.01
        Smallest difficulty :math:`\epsilon \in (0, 1)`.
    min_weight : float, default=0.0
        Floor :math:`m \in [0, 1]` of every weight; ``1`` gives uniform weights.
    check_input : bool, default=True
        Check the arguments (host synchronisations); callers that already did
        (a strategy, once per epoch) pass ``False`` with tensors on one device.

    Returns
    -------
    torch.Tensor of shape (C,)
        Weights summing to ``C``, same device and float dtype as the accuracies.

    References
    ----------
    .. [1] S. Sinha, H. Ohashi, K. Nakamura, "Class-Wise Difficulty-Balanced
       Loss for Solving Class-Imbalance", ACCV 2020.
    .. [2] S. Sinha, H. Ohashi, K. Nakamura, "Class-Difficulty Based Methods
       for Long-Tailed Visual Recognition", IJCV 130, 2022.

    Examples
    --------
    >>> cdb_weights([0.5, 0.75], tau=1.0)  # d = (0.5, 0.25): 2 * (2/3, 1/3)
    tensor([1.3333, 0.6667], dtype=torch.float64)
    >>> cdb_weights([1.0, 0.9], tau=1.0, min_weight=0.1)  # d = (0.01, 0.1)
    tensor([0.2636, 1.7364], dtype=torch.float64)
    """
    caller = "cdb_weights"
    acc = _accuracy(class_accuracy, eps, check_input, caller)
    if check_input:
        check_scalar(min_weight, "min_weight", 0, 1, caller=caller)
        tau = torch.as_tensor(tau, dtype=acc.dtype, device=acc.device)
        if tau.ndim != 0 or not bool(tau >= 0) or not bool(torch.isfinite(tau)):
            raise ValueError(f"tau must be a finite scalar >= 0, got {tau!r}.")
    difficulty = (1.0 - acc).clamp_min(eps)
    # softmax of tau * log d: d^tau / sum_k d_k^tau without under- or overflow
    weights = torch.softmax(tau * torch.log(difficulty), dim=0) * acc.shape[0]
    return (1.0 - min_weight) * weights + min_weight
