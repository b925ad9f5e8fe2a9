r"""Causal-norm logits and total-direct-effect (TDE) inference (Tang et al., NeurIPS 2020).

The features :math:`x \in \mathbb{R}^D` and the class weights
:math:`w_i \in \mathbb{R}^D` are cut into :math:`K` consecutive chunks
("heads") :math:`x_k`, :math:`w_{ik}` (:func:`torch.tensor_split`: equal
sizes when :math:`K` divides :math:`D`, as in the authors' code, otherwise
sizes that differ by one).
"""

import torch
import torch.nn.functional as F

from ._validation import InvalidParameterError, check_scalar

#: the paper's defaults: two heads, scale 16, weight-norm offset 1/32
N_HEADS, TAU, GAMMA = 2, 16.0, 1.0 / 32
#: the momentum of the moving feature in the authors' code
MOMENTUM = 0.9
#: the smallest norm a chunk is divided by (a chunk of zeros stays zero)
EPS = 1e-12


def _check_head(x, weight, n_heads, tau, gamma, caller):
    check_scalar(n_heads, "n_heads", 1, None, integral=True, caller=caller)
    check_scalar(tau, "tau", 0, None, closed="neither", caller=caller)
    check_scalar(gamma, "gamma", 0, None, caller=caller)
    if x.ndim != 2 or weight.ndim != 2 or x.shape[1] != weight.shape[1]:
        raise InvalidParameterError(
            f"{caller}: x of shape (n, D) and weight of shape (C, D) are needed, got "
            f"{tuple(x.shape)} and {tuple(weight.shape)}."
        )
    if n_heads > x.shape[1]:
        raise InvalidParameterError(
            f"{caller}: n_heads must be at most the number of features {x.shape[1]}, "
            f"got {n_heads}."
        )


def _check_direction(x, direction, caller):
    if direction.shape != (x.shape[1],):
        raise InvalidParameterError(
            f"{caller}: direction must have shape ({x.shape[1]},) for x of shape "
            f"{tuple(x.shape)}, got {tuple(direction.shape)}."
        )


def _normed_chunks(x, n_heads, offset=0.0):
    """The chunks of the rows of ``x``, each divided by its norm (plus ``offset``)."""
    chunks = torch.tensor_split(x, n_heads, dim=-1)
    if offset:
        return [c / (c.norm(dim=-1, keepdim=True) + offset) for c in chunks]
    return [F.normalize(c, dim=-1, eps=EPS) for c in chunks]


def causal_norm_logits(x, weight, n_heads=N_HEADS, tau=TAU, gamma=GAMMA, check_input=True):
    r"""Logits of the multi-head normalised (causal-norm) classifier.

    .. math::

        z_i = \frac{\tau}{K} \sum_{k=1}^{K}
        \frac{w_{ik}^\top x_k}{(\lVert w_{ik} \rVert + \gamma)\, \lVert x_k \rVert}

    as in the authors' ``Causal_Norm_Classifier``: each chunk of the
    features is divided by its norm, each chunk of a class weight by its norm
    plus :math:`\gamma`, no bias. Cosines bound the logits to
    :math:`[-\tau, \tau]`; :math:`\gamma > 0` lets a class with small weights
    keep smaller logits (the "causal" part of the norm).

    Parameters
    ----------
    x : torch.Tensor of shape (n, D)
        Features (the penultimate activations).
    weight : torch.Tensor of shape (C, D)
        One weight vector per class.
    n_heads : int, default=2
        :math:`K \ge 1`, the number of chunks (the paper's 2).
    tau : float, default=16.0
        Scale :math:`\tau > 0` (the paper's 16).
    gamma : float, default=1/32
        Offset :math:`\gamma \ge 0` of the weight norms (the paper's 1/32).
    check_input : bool, default=True
        Check the shapes and the parameters.

    Returns
    -------
    torch.Tensor of shape (n, C)

    References
    ----------
    .. [1] K. Tang, J. Huang, H. Zhang, "Long-Tailed Classification by Keeping
       the Good and Removing the Bad Momentum Causal Effect", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[3.0, 4.0, 1.0, 0.0]])
    >>> w = torch.tensor([[3.0, 4.0, 0.0, 2.0]])
    >>> causal_norm_logits(x, w, n_heads=2, tau=2.0, gamma=0.0)  # (2/2) (1 + 0)
    tensor([[1.]])
    """
    if check_input:
        _check_head(x, weight, n_heads, tau, gamma, "causal_norm_logits")
    normed_x = torch.cat(_normed_chunks(x, n_heads), dim=-1)
    normed_w = torch.cat(_normed_chunks(weight, n_heads, gamma), dim=-1)
    return (tau / n_heads) * normed_x @ normed_w.T


def direction_logits(x, weight, direction, n_heads=N_HEADS, tau=TAU, gamma=GAMMA,
                     check_input=True):
    r"""Logits of each normalised chunk's component along the moving direction.

    With :math:`\hat x_k = x_k / \lVert x_k \rVert`, the unit chunks
    :math:`\hat d_k = d_k / \lVert d_k \rVert` of the moving average
    :math:`d` of the training features, and
    :math:`\cos(x_k, d_k) = \hat x_k^\top \hat d_k`:

    .. math::

        e_i = \frac{\tau}{K} \sum_{k=1}^{K} \cos(x_k, d_k)\,
        \frac{w_{ik}^\top \hat d_k}{\lVert w_{ik} \rVert + \gamma}

    the part of the causal-norm logits (:func:`causal_norm_logits`) that
    the features owe to the direction all training features share, which the
    SGD momentum drives towards the head classes. :func:`tde_logits`
    subtracts :math:`\alpha e`. A chunk of ``direction`` that is zero gives
    no component.

    Parameters
    ----------
    x : torch.Tensor of shape (n, D)
        Features.
    weight : torch.Tensor of shape (C, D)
        Class weights of the causal-norm head.
    direction : torch.Tensor of shape (D,)
        :math:`d`, e.g. from :func:`update_moving_feature_` (only the
        direction of each chunk matters).
    n_heads, tau, gamma, check_input
        As in :func:`causal_norm_logits`.

    Returns
    -------
    torch.Tensor of shape (n, C)

    References
    ----------
    .. [1] K. Tang, J. Huang, H. Zhang, "Long-Tailed Classification by Keeping
       the Good and Removing the Bad Momentum Causal Effect", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[1.0, 1.0]])   # at 45 degrees from d
    >>> w = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> d = torch.tensor([2.0, 0.0])
    >>> direction_logits(x, w, d, n_heads=1, tau=1.0, gamma=0.0)  # cos 45 * (1, 0)
    tensor([[0.7071, 0.0000]])
    """
    if check_input:
        _check_head(x, weight, n_heads, tau, gamma, "direction_logits")
        _check_direction(x, direction, "direction_logits")
    direction = direction.to(x.dtype)
    normed_x = _normed_chunks(x, n_heads)
    normed_d = _normed_chunks(direction, n_heads)
    normed_w = _normed_chunks(weight, n_heads, gamma)
    # element-wise products and sums, not matrix products: each row's result
    # does not depend on how many rows are computed with it
    cosines = torch.stack([(xk * dk).sum(-1) for xk, dk in zip(normed_x, normed_d)], -1)
    along = torch.stack([(wk * dk).sum(-1) for wk, dk in zip(normed_w, normed_d)], 0)
    return (tau / n_heads) * (cosines.unsqueeze(-1) * along).sum(1)  # (n, K, C) -> (n, C)


def tde_logits(x, weight, direction, alpha, n_heads=N_HEADS, tau=TAU, gamma=GAMMA,
               check_input=True):
    r"""Counterfactual (total direct effect) logits of the causal-norm classifier.

    .. math::

        z^{\mathrm{TDE}}_i = \frac{\tau}{K} \sum_{k=1}^{K}
        \frac{w_{ik}^\top \big(\hat x_k - \alpha \cos(x_k, d_k)\, \hat d_k\big)}
             {\lVert w_{ik} \rVert + \gamma}
        = z_i - \alpha\, e_i

    (:func:`causal_norm_logits` minus :math:`\alpha` times
    :func:`direction_logits`): the prediction of the features with the
    effect of the moving direction :math:`d` taken out, as the authors' code
    computes it at test time. :math:`\alpha = 0` gives the causal-norm logits.

    Parameters
    ----------
    x, weight, direction
        As in :func:`direction_logits`.
    alpha : float
        :math:`\alpha \ge 0`, the strength of the removal (the authors use
        1 on CIFAR-10-LT, 1.5 on CIFAR-100-LT, 3 on ImageNet-LT and Places-LT).
    n_heads, tau, gamma, check_input
        As in :func:`causal_norm_logits`.

    Returns
    -------
    torch.Tensor of shape (n, C)

    References
    ----------
    .. [1] K. Tang, J. Huang, H. Zhang, "Long-Tailed Classification by Keeping
       the Good and Removing the Bad Momentum Causal Effect", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[1.0, 1.0]])
    >>> w = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> d = torch.tensor([2.0, 0.0])
    >>> tde_logits(x, w, d, alpha=1.0, n_heads=1, tau=1.0, gamma=0.0)  # (0.7071, 0.7071) - (0.7071, 0)
    tensor([[0.0000, 0.7071]])
    """
    if check_input:
        _check_head(x, weight, n_heads, tau, gamma, "tde_logits")
        _check_direction(x, direction, "tde_logits")
        check_scalar(alpha, "alpha", 0, None, caller="tde_logits")
    logits = causal_norm_logits(x, weight, n_heads, tau, gamma, check_input=False)
    return logits - alpha * direction_logits(x, weight, direction, n_heads, tau, gamma,
                                             check_input=False)


@torch.no_grad()
def update_moving_feature_(moving, x, momentum=MOMENTUM, sample_weight=None,
                           check_input=True):
    r"""Update the moving feature in place: :math:`d \leftarrow \mu d + \bar x`.

    :math:`\bar x` is the mean of the batch's features (weighted by
    ``sample_weight`` when given: :math:`\sum_i s_i x_i / \sum_i s_i`, so rows
    of weight 0, such as padding, do not count). This is the authors' update
    (``embed_mean = mu * embed_mean + features.mean(0)``), not normalised by
    :math:`1 - \mu`: only the direction of :math:`d` is used, which is the
    same as an exponential moving average's. Only in-place device operations,
    no host synchronisation, so it can run inside a captured CUDA graph.

    Parameters
    ----------
    moving : torch.Tensor of shape (D,)
        :math:`d`, updated in place (allocate it once, e.g. with zeros).
    x : torch.Tensor of shape (n, D)
        The batch's features.
    momentum : float, default=0.9
        :math:`\mu \in [0, 1]` (the authors' 0.9).
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        Non-negative row weights; a batch whose weights are all 0 adds zero.
    check_input : bool, default=True
        Check the shapes and ``momentum`` (no tensor values are read).

    Returns
    -------
    torch.Tensor
        ``moving``.

    Examples
    --------
    >>> import torch
    >>> d = torch.tensor([1.0, 0.0])
    >>> update_moving_feature_(d, torch.tensor([[1.0, 2.0], [3.0, 4.0]]), momentum=0.5)
    tensor([2.5000, 3.0000])
    >>> d  # 0.5 * (1, 0) + (2, 3), in place
    tensor([2.5000, 3.0000])
    """
    if check_input:
        check_scalar(momentum, "momentum", 0, 1, caller="update_moving_feature_")
        _check_direction(x, moving, "update_moving_feature_")
        if sample_weight is not None and sample_weight.shape != (x.shape[0],):
            raise InvalidParameterError(
                f"update_moving_feature_: sample_weight must have shape ({x.shape[0]},), "
                f"got {tuple(sample_weight.shape)}."
            )
    x = x.to(moving.dtype)
    if sample_weight is None:
        mean = x.mean(dim=0)
    else:
        sample_weight = sample_weight.to(moving.dtype)
        mean = (sample_weight @ x) / sample_weight.sum().clamp_min(torch.finfo(moving.dtype).tiny)
    return moving.mul_(momentum).add_(mean)
