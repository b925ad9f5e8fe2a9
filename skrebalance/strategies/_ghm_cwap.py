"""The ``"ghm_cwap"`` strategy."""

import inspect
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..losses import GHMCWAPLoss
from ._base import RebalancingStrategy
from ._registry import register

#: the strategy's parameters are its loss's, defaults included: the loss's
#: signature is their one source
_LOSS_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(GHMCWAPLoss).parameters.items()
}


@register("ghm_cwap")
class GHMCWAPStrategy(RebalancingStrategy):
    r"""GHM-CWAP (Zhang et al., 2022): intra- and inter-category balance.

    Extends GHM-C's gradient harmonizing to one histogram per class, each with
    its own unit regions, and adds Seesaw-like margins between classes. With
    :math:`g = 1 - p_y` the gradient norm of an example (half the L1 norm of
    the softmax cross-entropy gradient :math:`p - \mathrm{onehot}(y)`, in
    :math:`[0, 1]`), :math:`d_{c,i}` the width of region :math:`i` of class
    :math:`c`'s histogram (``n_regions`` regions over :math:`[0, 1]`) and
    :math:`n_{c,i}` the examples of class :math:`c` whose norm falls in it
    (Algorithm 1 of the paper, each example adding :math:`1/(N d_{c,i})` to
    its region's value):

    .. math::

        v_{c,i} = \frac{n_{c,i}}{N d_{c,i}}
        \quad\text{(region value, a density)}

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

    Algorithm 1 step by step: the regions start with equal widths
    :math:`1/N` (URA); during each epoch every training example is counted
    in its class's histogram; after the epoch (``adaptive=True``, AURA) each
    class's widths become :math:`d_{c,i} \propto 1/\log(e + v_{c,i})` from
    that epoch's values (the paper's :math:`1/\log v_{c,i}`, finite for
    :math:`v \le 1`), and the epoch's counts, moved onto the new regions,
    give the weights and margins of the next epoch (``accumulate="epoch"``).
    Before the first epoch the training set is scored once by the initial
    model for a first histogram. Where the paper leaves gaps (there is no
    official code), see the user guide: the gradient norm is taken on the raw
    logits (not the margin-shifted ones); the weights are scaled to mean 1
    per class over the histogram they come from (``normalize``) and clamped
    (``max_weight``);
    an empty region counts as holding the example being weighted, and
    :math:`S_c` is at least the value of one example, so weights and margins
    stay finite.

    Ablations (the paper's Table 3): intra only ``gamma=0``; inter only
    ``intra=False``; URA ``adaptive=False``, AURA ``adaptive=True``.

    Parameters
    ----------
    n_regions : int, default=30
        Number of unit regions ``N`` of each class's histogram.
    alpha : float, default=0.9
        Exponent of the effective sizes, in ``[0, 1]``.
    gamma : float, default=0.8
        Margin strength (``>= 0``); 0 disables the margins.
    intra : bool, default=True
        Whether to apply the intra-category weights ``W``.
    adaptive : bool, default=True
        Adaptive unit regions (AURA) or equal widths (URA).
    accumulate : {"epoch", "batch"}, default="epoch"
        Histogram behind the weights: the last epoch's counts (Algorithm 1),
        or an exponential moving average of the per-batch counts with
        momentum ``momentum`` (GHM-C's form, read with bias correction): it
        follows the model within an epoch, which matters when epochs are few
        and long, at the cost of per-batch recomputation of the weights.
    momentum : float, default=0.9
        EMA momentum in ``[0, 1)`` of ``accumulate="batch"``.
    max_weight : float or None, default=3.0
        Clamp of the normalised weights (not in the paper; ``None`` does not
        clamp). Without it a hard example alone in a region of a head class
        weighs tens of times the mean, and on a long-tailed benchmark tail
        recall fell below plain cross-entropy; the user guide has the
        ablation.
    normalize : {"class", "all"}, default="class"
        Scale the weights to mean 1 over each class's examples of the
        histogram (the weights act within a class only, the balance between
        classes is left to the margins: the paper's decoupling of intra- and
        inter-category balance) or over all examples (eq. 1 taken literally:
        a class's share of the weight then also grows with its effective size
        and number of occupied regions, which lowered tail recall in the user
        guide's ablation).

    Attributes
    ----------
    effective_sizes_ : torch.Tensor of shape (n_classes,)
        :math:`S_c` at the end of the last epoch, after AURA's update (the
        state the next epoch starts from); also logged per epoch in
        ``net.history`` as ``"ghm_effective_sizes"``.
    region_edges_ : torch.Tensor of shape (n_classes, n_regions + 1)
        Each class's unit-region edges at the end of the last epoch (the
        widths are logged as ``"ghm_region_widths"`` when ``adaptive``).
    criterion_ : GHMCWAPLoss
        The training loss (the net's ``criterion_``), which holds the
        histograms.

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
        "max_weight": [Interval(Real, 0, None, closed="neither"), None],
        "normalize": [StrOptions({"class", "all"})],
    }

    def __init__(
        self,
        n_regions=_LOSS_DEFAULTS["n_regions"],
        alpha=_LOSS_DEFAULTS["alpha"],
        gamma=_LOSS_DEFAULTS["gamma"],
        intra=_LOSS_DEFAULTS["intra"],
        adaptive=_LOSS_DEFAULTS["adaptive"],
        accumulate=_LOSS_DEFAULTS["accumulate"],
        momentum=_LOSS_DEFAULTS["momentum"],
        max_weight=_LOSS_DEFAULTS["max_weight"],
        normalize=_LOSS_DEFAULTS["normalize"],
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
        self.criterion_ = None

    @property
    def provides_loss(self):
        return True

    def get_criterion(self, net):
        # the strategy's parameters are the loss module's (same names)
        loss = GHMCWAPLoss(n_classes=getattr(net, "n_classes_", 0), **self.get_params())
        self.criterion_ = loss.to(getattr(net, "device_", "cpu"))
        return self.criterion_

    def _loss(self):
        if not isinstance(self.criterion_, GHMCWAPLoss):
            raise TypeError(
                f"ghm_cwap trains with its own criterion, got {type(self.criterion_).__name__}."
            )
        return self.criterion_

    def capture_key(self):
        # the loss reads the running counts until a complete histogram exists
        # and, once it is complete, the tables refreshed in place between epochs
        criterion = getattr(self, "criterion_", None)
        store = getattr(criterion, "_cache", {}).get("store")
        return (getattr(criterion, "histogram_ready", None), id(store))

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        loss = self._loss()
        # warm_start / partial_fit keep the histograms when the classes match
        if loss.n_classes != net.n_classes_:
            loss.reset_state(net.n_classes_)
        if self.accumulate == "epoch" and not loss.histogram_ready:
            # a first histogram: the training set as scored by the initial model
            proba = net.infer_proba(net.train_X_)
            log_p = torch.log(proba.clamp_min(torch.finfo(proba.dtype).tiny))
            loss.set_counts(log_p, net.train_y_)

    def on_epoch_end(self, net, **kwargs):
        loss = self._loss()
        loss.end_epoch()
        with torch.no_grad():
            self.effective_sizes_ = loss.effective_sizes().clone()
            self.region_edges_ = loss.edges.clone()
        # one host copy per epoch, for the log
        net.history.record("ghm_effective_sizes", self.effective_sizes_.cpu().tolist())
        if self.adaptive:
            net.history.record("ghm_region_widths", loss.widths.cpu().tolist())


#: the strategy's earlier name, kept as an alias
GHMCWAP = GHMCWAPStrategy
