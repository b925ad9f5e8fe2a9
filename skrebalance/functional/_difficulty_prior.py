"""The prior ``c`` of instance difficulty, set from the first update (``c="auto"``)."""

import torch

#: smallest automatic prior, in nats (a model whose first update moved nothing)
MIN_PRIOR = 1e-4


def auto_difficulty_prior(du, dl, check_input=True):
    r"""Prior :math:`c` of the instance difficulty: the mean variation of the first update.

    .. math::

        c = \max\Big(\frac{1}{N} \sum_{i=1}^{N} (du_{i,1} + dl_{i,1}),\ 10^{-4}\Big)

    the mean PSI distance of the training rows' first update (the change
    from the prediction before training to the first scored one), in nats.
    Most of what the accumulated sums of Yu et al.'s difficulty
    :math:`D_{i,T} = (c + \sum_t du_{i,t}) / (c + \sum_t dl_{i,t})` ever
    hold comes from that first update, and its size varies tenfold with the
    network, the learning rate and the number of batches per epoch. Against
    it, a fixed :math:`c` is either far smaller (the first update alone sets
    weights of 100:1 and the next epoch swings the model) or far larger (the
    weights hardly leave uniform). With :math:`c` equal to it, an instance
    that moved by the average amount gets :math:`D = 1/2` after the first
    update when it was learned and :math:`D = 2` when it was unlearned, at
    any scale.

    Parameters
    ----------
    du, dl : torch.Tensor of shape (n,)
        Unlearning and learning parts of the first update
        (:func:`~skrebalance.functional.psi_split`), ``>= 0``.
    check_input : bool, default=True
        Check the shapes and signs; callers that already did pass ``False``.

    Returns
    -------
    float
        :math:`c > 0`.

    References
    ----------
    .. [1] S. Yu, J. Guo, R. Zhang, Y. Fan, Z. Wang, X. Cheng, "A Re-Balancing
       Strategy for Class-Imbalanced Classification Based on Instance
       Difficulty", CVPR 2022, pp. 70-79.

    Examples
    --------
    Two rows learned from (0.5, 0.5) to (0.8, 0.2) (PSI 0.415888 each), one
    unchanged:

    >>> import torch
    >>> dl = torch.tensor([0.415888, 0.0, 0.415888])
    >>> round(auto_difficulty_prior(torch.zeros(3), dl), 6)
    0.277259
    """
    if check_input:
        if not (torch.is_tensor(du) and torch.is_tensor(dl)):
            raise TypeError("du and dl must be torch tensors.")
        if du.shape != dl.shape or du.ndim != 1 or du.shape[0] == 0:
            raise ValueError(
                "du and dl must be non-empty 1-d tensors of the same shape, got "
                f"{tuple(du.shape)} and {tuple(dl.shape)}."
            )
        if not bool(((du >= 0) & (dl >= 0)).all()):  # also rejects NaN
            raise ValueError("du and dl must be >= 0.")
    return max(float((du + dl).mean()), MIN_PRIOR)
