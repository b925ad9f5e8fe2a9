"""The ``"instance_difficulty"`` strategy (Yu et al., CVPR 2022)."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..functional import instance_difficulty, psi_split
from ..functional._difficulty_prior import auto_difficulty_prior
from ..samplers import DeviceWeightedSampler
from ._base import RebalancingStrategy
from ._registry import register


@register("instance_difficulty")
class InstanceDifficultyStrategy(RebalancingStrategy):
    r"""Re-sample instances by their difficulty, measured by learning speed.

    Yu et al. (2022) call an instance difficult when the model keeps
    *unlearning* it: after an update its predicted probability moves away from
    its label. After every ``update_interval`` epochs the training set (the
    unshuffled training rows, in eval mode) is scored, giving the softmax
    :math:`p_{i,t}`, and the change from the previous scoring
    :math:`p_{i,t-1}` is split into an unlearning and a learning part
    (eq. 6-7, :func:`skrebalance.functional.psi_split`), with
    :math:`\Delta p^j = p^j_{i,t} - p^j_{i,t-1}` and label :math:`y_i`:

    .. math::

        du_{i,t} &= \min(\Delta p^{y_i}, 0) \ln\frac{p^{y_i}_{i,t}}{p^{y_i}_{i,t-1}}
                 + \sum_{j \ne y_i} \max(\Delta p^j, 0) \ln\frac{p^j_{i,t}}{p^j_{i,t-1}}

        dl_{i,t} &= \max(\Delta p^{y_i}, 0) \ln\frac{p^{y_i}_{i,t}}{p^{y_i}_{i,t-1}}
                 + \sum_{j \ne y_i} \min(\Delta p^j, 0) \ln\frac{p^j_{i,t}}{p^j_{i,t-1}}

    Both are non-negative and sum to the PSI distance of the two predictions
    (eq. 5). The difficulty (eq. 4) and the sampling weight (eq. 1) are

    .. math::

        D_{i,T} = \frac{c + \sum_{t \le T} du_{i,t}}{c + \sum_{t \le T} dl_{i,t}},
        \qquad w_i = \frac{D_{i,T}}{\sum_j D_{j,T}}.

    Each epoch then trains on :math:`N` rows drawn with replacement with
    probabilities :math:`w` (the paper's :math:`S^*`), through the classifier's
    device-resident sampler; before the first update all weights are equal.
    Difficulties are per instance, so rare sub-populations *inside* a class
    (which the model learns slowly and forgets often) gain weight, which
    class-level re-weighting cannot do. The state is :math:`O(Nk)` for the last
    probabilities plus :math:`O(N)` for the two sums, all on the net's device.

    Parameters
    ----------
    c : float or "auto", default="auto"
        Prior of the difficulty (``> 0``), in the unit of the PSI (nats): a
        pseudo-amount of unlearning and learning every instance starts with.
        ``"auto"`` sets it at the first update to the mean PSI of that update
        (:math:`\frac1N \sum_i (du_{i,1} + dl_{i,1})`, at least
        :math:`10^{-4}`): most of what the sums ever hold comes from the
        first update, whose size varies tenfold with the network and the
        learning rate, and ``c`` of that size keeps the first re-sampling
        moderate (an instance that moved by the average amount gets
        :math:`D = 1/2` if learned, 2 if unlearned). A ``c`` much smaller
        makes it extreme, the next epoch swings the model and the
        difficulties then flatten; much larger flattens them from the start
        (measurements in the user guide).
    p0 : {"uniform", "initial"}, default="uniform"
        Prediction before training, :math:`p_{i,0}`: ``1/k`` for every class
        (the paper's choice), or the untrained model's prediction.
    update_interval : int, default=1
        Number of epochs between two updates of the difficulties (``>= 1``).

    Attributes
    ----------
    c_ : float or None
        The prior in use: ``c``, or the value ``"auto"`` chose at the first
        update (``None`` before it).
    difficulty_ : torch.Tensor of shape (n_train,)
        Current difficulty :math:`D_i` of every training row, on the device
        (in the order of the training rows).
    weights_ : torch.Tensor of shape (n_train,)
        Current sampling weights :math:`w_i` (they sum to 1).
    sum_du_ : torch.Tensor of shape (n_train,)
        Accumulated unlearning variation :math:`\sum_t du_{i,t}`.
    sum_dl_ : torch.Tensor of shape (n_train,)
        Accumulated learning variation :math:`\sum_t dl_{i,t}`.
    proba_ : torch.Tensor of shape (n_train, n_classes)
        Predictions of the last update (:math:`p_{i,0}` before the first one).
    n_updates_ : int
        Number of difficulty updates so far (continues with ``warm_start``
        and ``partial_fit`` on data of the same shape).
    n_epochs_ : int
        Number of epochs seen so far.
    sampler_ : DeviceWeightedSampler
        The sampler of the training rows; its weights are a copy of
        ``weights_``, updated with them.

    Notes
    -----
    Every epoch logs ``difficulty_min``, ``difficulty_mean``,
    ``difficulty_max``, ``sampling_ess`` (the effective sample size
    :math:`(\sum_i w_i)^2 / \sum_i w_i^2 = 1 / \sum_i w_i^2` of the
    weights, between 1 and :math:`N`) and ``sampling_class_share`` (each
    class's share :math:`\sum_{i: y_i = c} w_i` of the weights, a list in the
    order of ``classes_``) in ``net.history``. Probabilities are clamped to at least ``1e-6`` before
    the logarithms, so saturated predictions give finite values.

    With ``warm_start=True`` or ``partial_fit`` the state continues when the
    new training set has as many rows and classes as the previous one (rows
    are matched by position); otherwise it starts afresh.

    References
    ----------
    .. [1] S. Yu, J. Guo, R. Zhang, Y. Fan, Z. Wang, X. Cheng, "A Re-Balancing
       Strategy for Class-Imbalanced Classification Based on Instance
       Difficulty", CVPR 2022, pp. 70-79.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(200, weights=[0.9], random_state=0)
    >>> clf = RebalancedNetClassifier(
    ...     strategy="instance_difficulty", max_epochs=3, random_state=0
    ... ).fit(X, y)
    >>> clf.strategy_.difficulty_.shape
    torch.Size([200])
    >>> round(float(clf.strategy_.weights_.sum()), 4)
    1.0
    >>> sorted(k for k in clf.history[-1] if k.startswith("difficulty"))
    ['difficulty_max', 'difficulty_mean', 'difficulty_min']
    >>> len(clf.history[-1, "sampling_class_share"])  # of the two classes
    2
    """

    _parameter_constraints = {
        "c": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "p0": [StrOptions({"uniform", "initial"})],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, c="auto", p0="uniform", update_interval=1):
        self.c = c
        self.p0 = p0
        self.update_interval = update_interval

    def _reset_state(self):
        self.c_ = None
        self.proba_ = None
        self.sum_du_ = None
        self.sum_dl_ = None
        self.difficulty_ = None
        self.weights_ = None
        self.n_updates_ = 0
        self.n_epochs_ = 0
        self.sampler_ = None

    @property
    def provides_sampling(self):
        return True

    # ------------------------------------------------------------------
    # skorch hooks

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        n, k = net.train_y_.shape[0], net.n_classes_
        if getattr(self, "proba_", None) is not None and self.proba_.shape == (n, k):
            # warm_start / partial_fit on data of the same shape: continue
            for name in ("proba_", "sum_du_", "sum_dl_", "difficulty_", "weights_"):
                setattr(self, name, getattr(self, name).to(net.device_))
            if self.c != "auto":  # a changed c applies from this fit on
                self.c_ = float(self.c)
            self.sampler_ = DeviceWeightedSampler(n, weights=self.weights_)
            return
        self._reset_state()
        if self.p0 == "initial":
            self.proba_ = net.infer_proba(net.train_X_).float()
        else:
            self.proba_ = torch.full((n, k), 1.0 / k, device=net.device_)
        self.sum_du_ = torch.zeros(n, device=net.device_)
        self.sum_dl_ = torch.zeros(n, device=net.device_)
        self.difficulty_ = torch.ones(n, device=net.device_)
        self.weights_ = self.difficulty_ / n
        self.sampler_ = DeviceWeightedSampler(n, weights=self.weights_)

    def on_epoch_end(self, net, **kwargs):
        self.n_epochs_ += 1
        if self.n_epochs_ % self.update_interval == 0:
            self._update(net.infer_proba(net.train_X_).float(), net.train_y_)
        d, w = self.difficulty_, self.weights_
        shares = torch.bincount(net.train_y_, weights=w, minlength=net.n_classes_)
        # the one host copy of the epoch
        summary = torch.cat(
            [torch.stack([d.min(), d.mean(), d.max(), 1.0 / (w * w).sum()]), shares.float()]
        ).tolist()
        for key, value in zip(
            ("difficulty_min", "difficulty_mean", "difficulty_max", "sampling_ess"), summary
        ):
            net.history.record(key, value)
        net.history.record("sampling_class_share", summary[4:])

    # ------------------------------------------------------------------

    def _update(self, proba, y):
        """Accumulate the variation from ``proba_`` to ``proba`` (in place)."""
        du, dl = psi_split(self.proba_, proba, y)
        self.sum_du_ += du
        self.sum_dl_ += dl
        self.proba_ = proba
        if self.c_ is None:  # first update: c from its variation, or the given c
            self.c_ = auto_difficulty_prior(du, dl) if self.c == "auto" else float(self.c)
        self.difficulty_ = instance_difficulty(self.sum_du_, self.sum_dl_, self.c_)
        self.weights_ = self.difficulty_ / self.difficulty_.sum()
        self.n_updates_ += 1
        if self.sampler_ is not None:
            self.sampler_.set_weights(self.weights_)


#: the name before the ``...Strategy`` naming convention, kept as an alias
InstanceDifficulty = InstanceDifficultyStrategy
