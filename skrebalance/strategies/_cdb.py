"""The ``"cdb"`` strategy: class-wise difficulty-balanced loss or sampling."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..functional import cdb_tau, cdb_weights, class_difficulty_bias
from ..functional._class_weights import TAU_VARIANTS
from ..samplers import DeviceWeightedSampler
from ._base import RebalancingStrategy
from ._cdb_difficulty import class_hits, difficulty_accuracy, split_difficulty_set
from ._class_balanced import BASE_LOSS_CONSTRAINTS, class_weighted_criterion
from ._registry import register


@register("cdb")
class CDBStrategy(RebalancingStrategy):
    r"""Class-wise difficulty-balanced loss or sampling (Sinha et al., 2020/2022).

    A class is *difficult* when the model gets it wrong, whatever its size.
    After every ``update_interval`` epochs the model's accuracy :math:`A_c` on
    each class is measured on a *difficulty set*, and the classes are
    weighted for the next epochs by

    .. math::

        d_c = 1 - A_c, \qquad w_c \propto d_c^{\tau},

    normalised to sum to the number of classes :math:`C` (as in the authors'
    code), with floors described below. Before the first measurement all classes
    have difficulty 1 (uniform weights).

    ``tau`` is a fixed number, or is recomputed from the model's *difficulty
    bias* at every measurement (:func:`~skrebalance.functional.class_difficulty_bias`,
    :func:`~skrebalance.functional.cdb_tau`), with :math:`\epsilon` = ``eps``,
    :math:`B_M = 1/\epsilon - 1` and :math:`T_M` = ``max_tau``:

    .. math::

        \mathrm{bias} &= \max\Big(\frac{\max_c A_c}{\min_c A_c + \epsilon} - 1, 0\Big) \\
        \tau_{\text{linear}} = T_M \frac{\mathrm{bias}}{B_M}, \quad
        \tau_{\text{poly}} &= T_M \Big(\frac{\mathrm{bias}}{B_M}\Big)^{p}, \quad
        \tau_{\text{log}} = T_M \frac{\log(\mathrm{bias} + 1)}{\log(B_M + 1)}, \quad
        \tau_{\text{sigmoid}} = T_M \Big(\frac{2}{1 + e^{-\mathrm{bias}}} - 1\Big).

    A model that treats all classes alike (bias 0) gets :math:`\tau = 0`, the
    plain loss; the more unequal the accuracies, the sharper the weighting.
    The paper prints the log variant with a leading minus sign, which would
    make :math:`\tau` negative and favour the easy classes; the positive form
    is used here.

    The weights act in one of two ways (``mode``):

    - ``"sampling"`` (default; CDB-S, eq. 15 of the IJCV paper): each
      epoch's training rows are drawn with replacement so that class
      :math:`c` is drawn with probability :math:`w_c / \sum_k w_k` (row
      :math:`i` with probability proportional to :math:`w_{y_i} / n_{y_i}`),
      by the classifier's device-resident sampler, with the unweighted
      cross-entropy. Equal weights draw every class equally often
      (class-balanced sampling);
    - ``"loss"`` (CDB-W-CE / CDB-W-FL, eq. 12 and 14): the class-weighted
      cross-entropy (``base_loss="ce"``) or focal loss (``"focal"``),
      reduced as :math:`\frac{1}{B}\sum_i w_{y_i} \ell(z_i, y_i)` over a
      batch of size :math:`B` (the package's one convention,
      :func:`skrebalance.functional.reduce_loss`). Equal weights are the
      plain loss.

    **Difficulty set** (``difficulty_set``):

    - ``"train"`` (default): the training rows themselves, at most
      ``max_rows`` of each class (evenly spaced in each class's rows, chosen
      once per fit: the measurement costs at most ``max_rows`` rows per
      class whatever the size of the data, and draws nothing from the
      training's random stream). Nothing is held out, so the smallest
      classes keep every row; but a net that fits its training data scores
      near 100% on every class, the difficulties even out and the weights
      return to equal as training proceeds: to class-balanced sampling with
      ``mode="sampling"``, to the plain loss with ``mode="loss"``.
    - ``"holdout"`` (the paper's protocol): a class-balanced subset of the
      training data, the same number of rows from every class
      (``holdout_size`` times the smallest class count, at least one row,
      leaving at least one row of each class to train on), drawn once per fit
      and held out of training. Accuracies are measured on rows the model does
      not fit, so they reflect generalisation; the price is fewer training
      rows for the smallest classes (half of a class of two rows) and a
      coarse accuracy (steps of one over the rows per class) when they are
      small. When some class has fewer than 2 rows the training rows are
      used instead (``difficulty_source_`` says which was used).
    - ``"valid"``: the net's own validation split (``train_split``, e.g.
      ``skorch.dataset.ValidSplit(5)``), scored from the validation batches
      the net evaluates anyway: no row is taken from training for this alone,
      but the split is stratified, not class-balanced, and must exist.
    - a boolean mask of shape ``(n_samples,)``: your own difficulty set. The
      paper measures on a separate class-balanced validation set (20 to 500
      rows per class) taken before the data were made long-tailed; if you
      have one, append it to the training data and mark its rows ``True``
      (``difficulty_source_`` is then ``"given"``). The mask refers to the
      rows passed to ``fit``: it suits a fit with ``train_split=None``, not a
      cross-validation that splits those rows.

    The user guide's page compares these sets and both modes on the
    package's benchmark suites (the defaults come from there).

    **Small difficulty sets** (``min_rows``). With :math:`n_c` rows of class
    :math:`c` in the difficulty set its accuracy moves in steps of
    :math:`1 / n_c`; with two rows it is 0, 0.5 or 1, the bias and
    :math:`\tau` jump with it and the weights swing between near 0 and
    near :math:`C` from epoch to epoch. A class with fewer than :math:`R` =
    ``min_rows`` rows therefore pools its correct predictions :math:`h_c` and
    rows over successive measurements, forgetting the earlier ones at the
    rate :math:`m_c`:

    .. math::

        m_c = \max\Big(0, 1 - \frac{n_c}{R}\Big), \quad
        H_c \leftarrow m_c H_c + h_c, \quad
        N_c \leftarrow m_c N_c + n_c, \quad
        A_c = H_c / N_c,

    so that :math:`A_c` rests on about :math:`R` rows (the last
    :math:`R / n_c` measurements). A class with at least :math:`R` rows is
    measured afresh at every update, as in the paper (whose smallest
    difficulty set holds 50 rows per class); ``min_rows=1`` turns pooling
    off.

    **Floors.** A class classified perfectly has :math:`d_c = 0`, hence paper
    weight 0 for any :math:`\tau > 0`: it would leave the loss (or the
    sampled batches) entirely, and when all classes are perfect the weights
    are :math:`0/0`. Here the difficulty is at least :math:`\epsilon` =
    ``eps`` (accuracy capped at :math:`1 - \epsilon`, the smoothing of the
    bias), which makes all-perfect give uniform weights and keeps the weights
    continuous in :math:`\tau`; and the weights are mixed with uniform ones,

    .. math::

        w_c = (1 - m)\, C\, \frac{\max(d_c, \epsilon)^{\tau}}
              {\sum_k \max(d_k, \epsilon)^{\tau}} + m,

    so that every class keeps at least :math:`m` = ``min_weight`` (default
    0.01; in sampling mode at least :math:`m / C` of the drawn rows) even
    under a large :math:`\tau`, stays in training and is measured again.
    ``min_weight=0`` and no perfect class give the paper's formula exactly
    (:func:`~skrebalance.functional.cdb_weights`).

    Parameters
    ----------
    mode : {"sampling", "loss"}, default="sampling"
        CDB-S (class-weighted sampling) or CDB-W (class-weighted loss).
    tau : float or {"sigmoid", "linear", "poly", "log"}, default="sigmoid"
        Fixed exponent :math:`\tau \ge 0`, or the dynamic variant.
    base_loss : {"ce", "focal"}, default="ce"
        With ``mode="loss"``: CDB-W-CE or CDB-W-FL. Ignored with sampling.
    gamma : float, default=2.0
        Focusing parameter of the focal base loss.
    max_tau : float, default=5.0
        :math:`T_M`, the largest dynamic exponent.
    power : int, default=2
        Exponent :math:`p > 1` of the ``"poly"`` variant.
    eps : float, default=0.01
        :math:`\epsilon \in (0, 1)`: smoothing of the difficulty bias, and
        smallest difficulty.
    difficulty_set : {"train", "holdout", "valid"} or array-like of bool, default="train"
        Where class accuracies are measured (see above), or a boolean mask of
        the rows given to ``fit``: the rows marked ``True`` form the
        difficulty set and are never trained on.
    holdout_size : float, default=0.2
        With ``"holdout"``: rows held out per class, as a fraction of the
        smallest class count.
    update_interval : int, default=1
        Measure the accuracies and update the weights every this many epochs.
    min_weight : float, default=0.01
        Floor :math:`m \in [0, 1]` of every class weight (see above); 1 gives
        uniform weights.
    min_rows : float, default=50
        :math:`R \ge 1`: a class with fewer rows in the difficulty set pools
        its accuracy over measurements until it rests on about this many rows
        (see above). 50 is the paper's smallest per-class difficulty set, so
        sets that large are used as in the paper.
    max_rows : int or None, default=500
        With the training rows as the difficulty set, a class with more rows
        is scored on this many of them (500, the paper's largest difficulty
        set, MNIST); ``None`` scores every training row every epoch.

    Attributes
    ----------
    class_accuracy_ : torch.Tensor of shape (n_classes,) or None
        Accuracies :math:`A_c` of the last measurement, pooled for the classes
        with fewer than ``min_rows`` rows (``None`` before the first).
    pooled_hits_, pooled_rows_ : torch.Tensor of shape (n_classes,) or None
        :math:`H_c` and :math:`N_c` of the pooled accuracies.
    tau_ : torch.Tensor
        Exponent in use (scalar).
    bias_ : torch.Tensor
        Difficulty bias of the last measurement (0 before the first).
    class_weight_ : torch.Tensor of shape (n_classes,)
        Class weights in use (sum ``n_classes``).
    class_counts_ : torch.Tensor of shape (n_classes,)
        Class counts of the rows trained on.
    difficulty_rows_ : torch.Tensor or None
        Indices (into the fit's training rows) of the rows scored, held out
        or not; ``None`` when every training row is scored, or with the
        validation split.
    difficulty_source_ : str
        ``"holdout"``, ``"valid"``, ``"train"`` or ``"given"``: the set actually used.
    criterion_ : ClassWeightedFocalLoss or None
        With ``mode="loss"``, the training loss (the net's ``criterion_``);
        its ``class_weight`` buffer holds a copy of ``class_weight_``.
    sampler_ : DeviceWeightedSampler or None
        The sampler of the training rows (all but the held-out difficulty
        set); with ``mode="sampling"`` its per-row weights are
        ``class_weight_[y] / class_counts_[y]``. ``None`` when the net's own
        shuffle serves (loss mode, nothing held out).

    All tensors live on the net's device. Each epoch the net's history gets
    ``cdb_tau``, ``cdb_bias`` and ``cdb_class_weight`` (and
    ``cdb_class_accuracy`` in the epochs that measured it), for plotting, e.g.
    ``clf.history[:, "cdb_tau"]``.

    See Also
    --------
    ClassBalancedLossStrategy : class weights from class counts only.

    References
    ----------
    .. [1] S. Sinha, H. Ohashi, K. Nakamura, "Class-Wise Difficulty-Balanced
       Loss for Solving Class-Imbalance", ACCV 2020.
    .. [2] S. Sinha, H. Ohashi, K. Nakamura, "Class-Difficulty Based Methods
       for Long-Tailed Visual Recognition", IJCV 130, 2022.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(300, weights=[0.8, 0.2], flip_y=0.1, random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="cdb", strategy__mode="sampling",
    ...                               max_epochs=3, random_state=0).fit(X, y)
    >>> len(clf.history[:, "cdb_tau"])
    3
    >>> round(float(clf.strategy_.class_weight_.sum()), 4)
    2.0
    """

    _parameter_constraints = {
        "mode": [StrOptions({"loss", "sampling"})],
        "tau": [Interval(Real, 0, None, closed="left"), StrOptions(set(TAU_VARIANTS))],
        **BASE_LOSS_CONSTRAINTS,
        "max_tau": [Interval(Real, 0, None, closed="left")],
        "power": [Interval(Integral, 2, None, closed="left")],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "difficulty_set": [StrOptions({"holdout", "valid", "train"}), "array-like"],
        "max_rows": [Interval(Integral, 1, None, closed="left"), None],
        "holdout_size": [Interval(Real, 0, 1, closed="neither")],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
        "min_weight": [Interval(Real, 0, 1, closed="both")],
        "min_rows": [Interval(Real, 1, None, closed="left")],
    }

    def __init__(
        self,
        mode="sampling",
        tau="sigmoid",
        base_loss="ce",
        gamma=2.0,
        max_tau=5.0,
        power=2,
        eps=0.01,
        difficulty_set="train",
        holdout_size=0.2,
        update_interval=1,
        min_weight=0.01,
        min_rows=50,
        max_rows=500,
    ):
        self.mode = mode
        self.tau = tau
        self.base_loss = base_loss
        self.gamma = gamma
        self.max_tau = max_tau
        self.power = power
        self.eps = eps
        self.difficulty_set = difficulty_set
        self.holdout_size = holdout_size
        self.update_interval = update_interval
        self.min_weight = min_weight
        self.min_rows = min_rows
        self.max_rows = max_rows

    def _reset_state(self):
        self.class_accuracy_ = None
        self.pooled_hits_ = None
        self.pooled_rows_ = None
        self.tau_ = None
        self.bias_ = None
        self.class_weight_ = None
        self.class_counts_ = None
        self.difficulty_rows_ = None
        self.difficulty_source_ = None
        self.train_rows_ = None
        self.n_rows_ = None
        self.valid_hits_ = None
        self.valid_counts_ = None
        self.criterion_ = None
        self.sampler_ = None

    @property
    def provides_loss(self):
        return self.mode == "loss"

    @property
    def provides_sampling(self):
        return self.mode == "sampling"

    def get_criterion(self, net):
        self.criterion_ = class_weighted_criterion(self.base_loss, self.gamma)
        return self.criterion_

    # ------------------------------------------------------------------
    # state

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        device, n_classes = net.device_, net.n_classes_
        n_rows = net.train_y_.shape[0]
        if isinstance(self.difficulty_set, str) and self.difficulty_set == "valid" \
                and not net.train_split:
            raise ValueError(
                "difficulty_set='valid' needs the net's validation split: set "
                "train_split (e.g. skorch.dataset.ValidSplit(5)) or use "
                "difficulty_set='holdout' or 'train'."
            )
        same_classes = self.class_weight_ is not None and self.class_weight_.shape[0] == n_classes
        if not same_classes:  # fresh fit, or a warm start on other classes
            self.class_accuracy_ = None
            self.bias_ = torch.zeros((), device=device)
            self.tau_ = self._fixed_or_initial_tau(device)
            self.class_weight_ = torch.ones(n_classes, device=device)
        if self.n_rows_ != n_rows or not same_classes:  # new data: new difficulty set
            self._split_difficulty_set(net)
            self.n_rows_ = n_rows
            self.pooled_hits_, self.pooled_rows_ = None, None
        self.class_weight_ = self.class_weight_.to(device)
        self.sampler_ = None
        if self.provides_sampling or self.train_rows_ is not None:
            self.sampler_ = DeviceWeightedSampler(n_rows, rows=self.train_rows_)
        self._push_weights(net)

    def _push_weights(self, net):
        """Copy the class weights into what this strategy plugs in."""
        if self.provides_loss:
            self.criterion_.set_class_weight(self.class_weight_)
        else:
            # class c is drawn with probability w_c / sum(w): w_c spread over its n_c rows
            per_class = self.class_weight_ / self.class_counts_.clamp_min(1.0)
            self.sampler_.set_weights(per_class[net.train_y_])

    def _fixed_or_initial_tau(self, device):
        if isinstance(self.tau, str):  # dynamic: bias 0 before any measurement
            return cdb_tau(0.0, self.tau, self.max_tau, self.eps, self.power).to(device)
        return torch.tensor(float(self.tau), device=device)

    def _split_difficulty_set(self, net):
        (self.difficulty_rows_, self.train_rows_, self.class_counts_,
         self.difficulty_source_) = split_difficulty_set(
            net.train_y_, net.n_classes_, self.difficulty_set, self.holdout_size,
            net.train_generator_, self.max_rows)

    # ------------------------------------------------------------------
    # measurement

    def on_epoch_begin(self, net, **kwargs):
        if self.difficulty_source_ == "valid":
            zeros = torch.zeros(net.n_classes_, device=net.device_)
            self.valid_hits_, self.valid_counts_ = zeros, zeros.clone()

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training or self.difficulty_source_ != "valid":
            return
        y_pred = kwargs.get("y_pred")
        if isinstance(y_pred, (tuple, list)):
            y_pred = y_pred[0]
        hits, rows = class_hits(y_pred, batch[1].to(net.device_), net.n_classes_)
        self.valid_hits_ += hits
        self.valid_counts_ += rows

    def _class_hits(self, net):
        """Correct predictions and rows per class on the difficulty set."""
        if self.difficulty_source_ == "valid":
            return self.valid_hits_, self.valid_counts_
        rows = self.difficulty_rows_
        X = net.train_X_ if rows is None else net.train_X_[rows]
        y = net.train_y_ if rows is None else net.train_y_[rows]
        return class_hits(net.infer_proba(X), y, net.n_classes_)

    def _class_accuracy(self, net):
        """Accuracy per class, pooled over measurements until it rests on ``min_rows`` rows."""
        accuracy, self.pooled_hits_, self.pooled_rows_ = difficulty_accuracy(
            *self._class_hits(net), self.pooled_hits_, self.pooled_rows_, self.min_rows)
        return accuracy

    def on_epoch_end(self, net, **kwargs):
        epoch = net.history[-1, "epoch"]
        measured = epoch % self.update_interval == 0
        if measured:
            # the formulas of skrebalance.functional without their input
            # checks (each would cost a device synchronisation): valid inputs
            accuracy = self._class_accuracy(net)
            self.class_accuracy_ = accuracy
            self.bias_ = class_difficulty_bias(accuracy, self.eps, check_input=False)
            if isinstance(self.tau, str):
                self.tau_ = cdb_tau(self.bias_, self.tau, self.max_tau, self.eps, self.power,
                                    check_input=False)
            # in place: the tensors of a fit keep their storage (a captured
            # training step reads the copies in the criterion or sampler)
            self.class_weight_.copy_(cdb_weights(accuracy, self.tau_, self.eps,
                                                 self.min_weight, check_input=False))
            self._push_weights(net)
        # one transfer to the host per epoch, for the history log
        n_classes = self.class_weight_.shape[0]
        parts = [self.tau_.view(1), self.bias_.view(1), self.class_weight_]
        values = torch.cat([p.float() for p in parts + ([self.class_accuracy_] if measured else [])])
        values = values.tolist()
        net.history.record("cdb_tau", values[0])
        net.history.record("cdb_bias", values[1])
        net.history.record("cdb_class_weight", values[2 : 2 + n_classes])
        if measured:
            net.history.record("cdb_class_accuracy", values[2 + n_classes :])


#: the name before the ``...Strategy`` naming convention, kept as an alias
CDB = CDBStrategy
