"""The ``"ghm_cwap"`` strategy."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..losses import GHMCWAPLoss
from ._base import RebalancingStrategy
from ._registry import register


@register("ghm_cwap")
class GHMCWAP(RebalancingStrategy):
    r"""GHM-CWAP (Zhang et al., 2022): intra- and inter-category balance.

    Extends GHM-C's gradient harmonizing to one histogram per class and adds
    Seesaw-like margins between classes. With :math:`g = 1 - p_y` the gradient
    norm of an example (half the L1 norm of the softmax cross-entropy
    gradient :math:`p - \mathrm{onehot}(y)`, in :math:`[0, 1]`) and
    :math:`v_{c,i}` the number of examples of class :math:`c` whose norm falls
    in unit region :math:`i` (``n_regions`` regions over :math:`[0, 1]`):

    .. math::

        S_c = \sum_i v_{c,i}^{\alpha}
        \quad\text{(effective sample size)}

        W_{c,i} = \frac{S_c}{v_{c,i}^{\alpha}}
        \quad\text{(eq. 1, intra-category weight)}

        M_{m,n} = \gamma \log \min\Big(1, \frac{S_n}{S_m}\Big), \; M_{m,m} = 0
        \quad\text{(eq. 2, inter-category margin)}

        \ell = - W_{m,i} \log
        \frac{e^{z_m}}{\sum_n e^{z_n + M_{m,n}}}
        \quad\text{(eq. 3, example of class } m \text{ in region } i)

    Examples in crowded regions of their class's histogram (typically the many
    easy ones) weigh less; examples of a frequent class push the logits of
    rarer classes down less. Margins act only in the loss: ``predict_proba``
    is the softmax of the raw logits.

    Resolutions of the paper's gaps (there is no official code):

    - *gradient norm*: :math:`g = 1 - p_y` from the raw logits (not the
      margin-shifted ones, so that the histograms, and hence ``S``, do not
      depend on the margins they define);
    - *normalisation*: the weights of each batch are scaled to mean 1 over the
      batch (``normalize="batch"``, eq. 1 as written, so a class with larger
      :math:`S_c` also weighs more) or over each class's examples in the batch
      (``normalize="class"``: the weights only act within a class), then
      clamped at ``max_weight``. An example alone in a region of a head class
      gets a raw weight near :math:`S_c`, hundreds of times that of an easy
      one. On ``benchmarks/long_tail_recall.py`` a clamp of 10 lowered tail
      recall below plain cross-entropy (presumably these rare hard head
      examples sit in the tails' territory), so the default clamp is 3;
    - *counts* (``accumulate``): ``"batch"`` (default) keeps an exponential
      moving average of the per-batch histograms with momentum ``momentum``,
      read with bias correction :math:`v / (1 - \mu^t)` so that the first
      batches are not under-counted; ``"epoch"`` re-counts the whole training
      set (one extra forward pass) before the first epoch and after each
      epoch, and uses that histogram during the next epoch;
    - *empty cells*: a region counts at least one example (the one being
      weighted; on the EMA's scale that is :math:`(1 - \mu) / (1 - \mu^t)`)
      and :math:`S_c` is at least the effective size of one example, so
      weights and margins are finite for empty regions, classes absent from a
      batch and single-example classes; at ``alpha=0`` empty regions add
      nothing to :math:`S_c` (not :math:`0^0 = 1`);
    - *AURA*: each training example adds :math:`1 / (N d_i)` to the value
      :math:`v_i` of its region; after the epoch the widths become
      :math:`d_i \propto 1 / \log(e + v_i)` (the paper's :math:`1/\log v_i`,
      made finite and positive for :math:`v_i \le 1`), renormalised to sum
      to 1; the values reset and the running histograms are re-binned to the
      new regions (linear interpolation of each class's cumulative count).

    Ablations (the paper's Table 3): intra only ``gamma=0``; inter only
    ``intra=False``; URA ``adaptive=False``, AURA ``adaptive=True``.

    Parameters
    ----------
    n_regions : int, default=30
        Number of unit regions ``N``.
    alpha : float, default=0.9
        Exponent of the effective sizes, in ``[0, 1]``.
    gamma : float, default=0.8
        Margin strength (``>= 0``); 0 disables the margins.
    intra : bool, default=True
        Whether to apply the intra-category weights ``W``.
    adaptive : bool, default=True
        Adaptive unit regions (AURA) or equal widths (URA).
    accumulate : {"batch", "epoch"}, default="batch"
        How the histograms are gathered (see above).
    momentum : float, default=0.9
        EMA momentum in ``[0, 1)`` of ``accumulate="batch"``.
    max_weight : float, default=3.0
        Clamp of the normalised weights.
    normalize : {"batch", "class"}, default="batch"
        Scale the weights to mean 1 over the batch or over each class's
        examples in the batch (see above).

    Attributes
    ----------
    effective_sizes_ : torch.Tensor of shape (n_classes,)
        :math:`S_c` at the end of the last epoch, after AURA's update (the
        state the next epoch starts from); also logged per epoch in
        ``net.history`` as ``"ghm_effective_sizes"``.
    region_edges_ : torch.Tensor of shape (n_regions + 1,)
        The unit-region edges at the end of the last epoch (logged as
        ``"ghm_region_widths"``, the widths, when ``adaptive``).

    References
    ----------
    .. [1] R. Zhang, T. Lin, R. Zhang, Y. Xu, "Solving the long-tailed problem
       via intra- and inter-category balance", arXiv:2204.09234, 2022.
    .. [2] B. Li, Y. Liu, X. Wang, "Gradient Harmonized Single-stage Detector",
       AAAI 2019.
    .. [3] J. Wang, W. Zhang, Y. Zang, Y. Cao, J. Pang, T. Gong, K. Chen,
       Z. Liu, C. C. Loy, D. Lin, "Seesaw Loss for Long-Tailed Instance
       Segmentation", CVPR 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(300, n_classes=3, n_informative=4,
    ...                            weights=[0.7, 0.2, 0.1], random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="ghm_cwap", max_epochs=3,
    ...                               random_state=0).fit(X, y)
    >>> len(clf.history[-1, "ghm_effective_sizes"])
    3
    >>> clf.set_params(strategy__gamma=0.0).get_params()["strategy__gamma"]
    0.0
    """

    _parameter_constraints = {
        "n_regions": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "intra": ["boolean"],
        "adaptive": ["boolean"],
        "accumulate": [StrOptions({"batch", "epoch"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "max_weight": [Interval(Real, 0, None, closed="neither")],
        "normalize": [StrOptions({"class", "batch"})],
    }

    def __init__(
        self,
        n_regions=30,
        alpha=0.9,
        gamma=0.8,
        intra=True,
        adaptive=True,
        accumulate="batch",
        momentum=0.9,
        max_weight=3.0,
        normalize="batch",
    ):
        self.n_regions = n_regions
        self.alpha = alpha
        self.gamma = gamma
        self.intra = intra
        self.adaptive = adaptive
        self.accumulate = accumulate
        self.momentum = momentum
        self.max_weight = max_weight
        self.normalize = normalize

    def _reset_state(self):
        self.effective_sizes_ = None
        self.region_edges_ = None

    @property
    def provides_loss(self):
        return True

    def get_criterion(self, net):
        # the strategy's parameters are the loss module's (same names)
        loss = GHMCWAPLoss(n_classes=getattr(net, "n_classes_", 0), **self.get_params())
        return loss.to(getattr(net, "device_", "cpu"))

    def _loss(self, net):
        loss = net.criterion_
        if not isinstance(loss, GHMCWAPLoss):
            raise TypeError(
                f"ghm_cwap needs its own criterion, got {type(loss).__name__}."
            )
        return loss

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        loss = self._loss(net)
        # warm_start / partial_fit keep the histograms when the classes match
        if loss.n_classes != net.n_classes_:
            loss.reset_state(net.n_classes_)
        if self.accumulate == "epoch":
            self._count_training_set(net, loss)

    def _count_training_set(self, net, loss):
        proba = net.infer_proba(net.train_X_)
        log_p = torch.log(proba.clamp_min(torch.finfo(proba.dtype).tiny))
        loss.set_counts(log_p, net.train_y_)

    def on_epoch_end(self, net, **kwargs):
        loss = self._loss(net)
        loss.end_epoch()
        if self.accumulate == "epoch":
            self._count_training_set(net, loss)
        with torch.no_grad():
            self.effective_sizes_ = loss.effective_sizes().clone()
            self.region_edges_ = loss.edges.clone()
        # one host copy per epoch, for the log
        net.history.record("ghm_effective_sizes", self.effective_sizes_.cpu().tolist())
        if self.adaptive:
            net.history.record("ghm_region_widths", loss.widths.cpu().tolist())
