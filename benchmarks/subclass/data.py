"""The data of the sub-class simulation: long-tailed sub-class digits, unlearning.

- :func:`make_subclass_digits`: even-vs-odd ``load_digits`` whose classes are
  made of long-tailed sub-classes (their digits), with a balanced test set;
- :func:`simulate_unlearning`: the paper's Fig. 4 simulation, the difficulty
  of instances unlearned at random (the gallery example plots it).

See ``subclass_simulation.py`` for the design.
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skrebalance.functional import instance_difficulty, psi_split

N_SUB = 5  # digits per class
N_MAJOR = 2  # the largest sub-classes of each class count as "majority"
PROFILES = ("per-class", "paper")
#: the images: scikit-learn's 1,797 (``load_digits``) or UCI's 5,620 (``optdigits``, the
#: same 8x8 format; ``load_digits`` is a part of it)
DATA = ("digits", "optdigits")


def simulate_unlearning(
    unlearn_probs=(0.1, 0.2, 0.4), n=200, steps=60, n_classes=10, c=0.1, seed=0
):
    """The paper's Fig. 4 simulation: difficulty of instances unlearned at random.

    Each instance has a true-class logit ``z`` (the other logits are 0), so its
    prediction starts uniform. At every step ``z`` moves by a random amount in
    ``[0.25, 0.75]``: down ("unlearned") with its group's probability, up
    otherwise. The variations go through
    :func:`skrebalance.functional.psi_split` and
    :func:`skrebalance.functional.instance_difficulty`.

    Parameters
    ----------
    unlearn_probs : sequence of float, default=(0.1, 0.2, 0.4)
        Unlearning probability of each group (easy, normal, hard).
    n : int, default=200
        Instances per group.
    steps : int, default=60
        Number of updates.
    n_classes : int, default=10
        Number of classes of the simulated predictions.
    c : float, default=0.1
        Prior of the difficulty.
    seed : int, default=0
        Seed of the simulation.

    Returns
    -------
    difficulty : ndarray of shape (steps + 1, len(unlearn_probs), n)
        Difficulty of every instance after every step (all 1 at step 0).
    """
    g = torch.Generator().manual_seed(seed)
    groups = len(unlearn_probs)
    q = torch.tensor(unlearn_probs, dtype=torch.float64).repeat_interleave(n)
    y = torch.zeros(groups * n, dtype=torch.long)
    logits = torch.zeros(groups * n, n_classes, dtype=torch.float64)
    sum_du = torch.zeros(groups * n, dtype=torch.float64)
    sum_dl = torch.zeros_like(sum_du)
    p_prev = torch.softmax(logits, dim=1)
    history = [instance_difficulty(sum_du, sum_dl, c)]
    for _ in range(steps):
        step = 0.5 * torch.rand(groups * n, generator=g, dtype=torch.float64) + 0.25
        down = torch.rand(groups * n, generator=g, dtype=torch.float64) < q
        logits[:, 0] += torch.where(down, -step, step)
        p = torch.softmax(logits, dim=1)
        du, dl = psi_split(p_prev, p, y)
        sum_du += du
        sum_dl += dl
        p_prev = p
        history.append(instance_difficulty(sum_du, sum_dl, c))
    return torch.stack(history).view(steps + 1, groups, n).numpy()


def load_images(data="digits"):
    """``(X, digit)``: 8x8 images scaled to [0, 1] and their digits."""
    if data not in DATA:
        raise ValueError(f"data must be one of {DATA}, got {data!r}.")
    if data == "digits":
        X, digit = load_digits(return_X_y=True)
    else:
        from skrebalance.datasets import load_dataset

        X, digit = load_dataset("optdigits")
    return (np.asarray(X) / 16.0).astype(np.float32), np.asarray(digit).astype(int)


def make_subclass_digits(seed, n_max=100, class_ratio=5.0, subclass_ratio=10.0, test_size=0.4,
                         profile="per-class", imbalance_ratio=100.0, data="digits"):
    """Even-vs-odd digits with long-tailed sub-classes (digits) in each class.

    Parameters
    ----------
    seed : int
        Seeds the test split and the choice of which digit is frequent.
    n_max : int, default=100
        Training images of the largest sub-class of the even class.
    class_ratio : float, default=5.0
        Ratio of the largest even to the largest odd sub-class (and so,
        approximately, of the class sizes).
    subclass_ratio : float, default=10.0
        Ratio of the largest to the smallest sub-class inside each class.
    test_size : float, default=0.4
        Fraction of every digit held out (balanced test set).
    profile : {"per-class", "paper"}, default="per-class"
        ``"per-class"``: the profile above, the digits of each class shuffled
        per seed. ``"paper"``: Yu et al.'s, one profile over the digits in
        their order, digit ``d`` keeping ``n_max * imbalance_ratio ** (-d / 9)``
        images (rounded) (``class_ratio`` and ``subclass_ratio`` are not used); the
        majority sub-classes are then 0, 1, 2, 3.
    imbalance_ratio : float, default=100.0
        Largest over smallest digit of the ``"paper"`` profile.
    data : {"digits", "optdigits"}, default="digits"
        The images (:func:`load_images`): ``optdigits`` has about 3 times as
        many, for a larger ``n_max``.

    Returns
    -------
    dict
        ``X_train, y_train, sub_train, X_test, y_test, sub_test`` (``y`` is
        0 for even and 1 for odd, ``sub`` the digit) and ``major``, the digits
        counted as majority sub-classes.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}.")
    rng = np.random.RandomState(seed)
    X, digit = load_images(data)
    X_pool, X_test, d_pool, d_test = train_test_split(
        X, digit, test_size=test_size, stratify=digit, random_state=seed
    )
    keep, major = [], []
    for parity, largest in ((0, n_max), (1, n_max / class_ratio)):
        digits = rng.permutation(np.arange(parity, 10, 2))
        if profile == "paper":
            digits = np.arange(parity, 10, 2)
        for rank, d in enumerate(digits):
            n = largest * subclass_ratio ** (-rank / (N_SUB - 1))
            if profile == "paper":  # rounded: floor would give digits 8 and 9 one image each
                n = np.round(n_max * imbalance_ratio ** (-d / 9))
            n = max(1, int(np.floor(n + 1e-9)))
            rows = np.flatnonzero(d_pool == d)
            if n > len(rows):
                raise ValueError(f"digit {d} has only {len(rows)} training images, {n} asked.")
            keep.append(rng.choice(rows, n, replace=False))
            if rank < N_MAJOR:
                major.append(int(d))
    keep = np.sort(np.concatenate(keep))
    return {
        "X_train": X_pool[keep],
        "y_train": d_pool[keep] % 2,
        "sub_train": d_pool[keep],
        "X_test": X_test,
        "y_test": d_test % 2,
        "sub_test": d_test,
        "major": np.array(sorted(major)),
    }
