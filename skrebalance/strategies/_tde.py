"""The ``"tde"`` strategy (Tang, Huang & Zhang, NeurIPS 2020)."""

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from ..functional._tde import MOMENTUM, update_moving_feature_
from ..modules import MLP, CausalNormLinear
from ._base import RebalancingStrategy
from ._registry import register

#: the default strength of the removal (see the class docstring and the user guide)
ALPHA = 0.5


def causal_norm_head(module):
    """The one :class:`~skrebalance.CausalNormLinear` layer of ``module``.

    Raises
    ------
    ValueError
        When ``module`` has none (or several), naming the fix.
    """
    heads = [m for m in module.modules() if isinstance(m, CausalNormLinear)]
    if len(heads) == 1:
        return heads[0]
    if isinstance(module, MLP):
        got = f"the MLP's output layer is {type(module.layers[-1]).__name__}"
    else:
        got = f"{type(module).__name__} has {len(heads)} CausalNormLinear layers"
    raise ValueError(
        "strategy 'tde' needs the causal-norm output layer: use the default MLP with "
        "module__head='causal_norm', or a module with one CausalNormLinear layer whose "
        f"forward returns (logits, the layer's input); {got}."
    )


def _features(output, n_features):
    """The features of a module's ``(logits, features)`` output, checked by shape."""
    if (not isinstance(output, (tuple, list)) or len(output) < 2
            or not torch.is_tensor(output[1]) or output[1].ndim != 2
            or output[1].shape[1] != n_features):
        got = (f"a tuple of {len(output)}" if isinstance(output, (tuple, list))
               else type(output).__name__)
        raise ValueError(
            "strategy 'tde' needs the module to return (logits, features), the features "
            f"of shape (n, {n_features}) being the input of its CausalNormLinear layer "
            f"(as MLP(head='causal_norm') does); got {got}."
        )
    return output[1]


@register("tde")
class TDEStrategy(RebalancingStrategy):
    r"""Causal-norm classifier with total-direct-effect (TDE) inference (Tang et al., 2020).

    Tang et al. trace the head-class bias of long-tailed training to the
    optimizer's momentum: the features of all training rows share a
    direction :math:`d`, driven by the head classes, and a row's logits owe
    part of their value to its component along :math:`d`. They keep that
    "good" effect while training and remove the "bad" one at prediction.

    **Training.** The net ends in the multi-head normalised layer
    :class:`~skrebalance.CausalNormLinear`
    (``module__head="causal_norm"`` of the default :class:`~skrebalance.MLP`;
    :math:`K` chunks :math:`x_k` of the features, class weights
    :math:`w_{ik}`)

    .. math::

        z_i = \frac{\tau}{K} \sum_{k=1}^{K}
        \frac{w_{ik}^\top x_k}{(\lVert w_{ik} \rVert + \gamma)\, \lVert x_k \rVert}

    trained with plain cross-entropy, while the strategy keeps the moving
    feature :math:`d \leftarrow \mu d + \bar x_b` from every training batch
    :math:`b` (:func:`~skrebalance.functional.update_moving_feature_`, in
    ``on_batch_end``, in place on the device).

    **Prediction.** The counterfactual logits subtract, from every
    normalised chunk, its component along :math:`\hat d_k = d_k/\lVert d_k\rVert`:

    .. math::

        z^{\mathrm{TDE}}_i = \frac{\tau}{K} \sum_{k=1}^{K}
        \frac{w_{ik}^\top \big(\hat x_k - \alpha \cos(x_k, d_k)\, \hat d_k\big)}
             {\lVert w_{ik} \rVert + \gamma}

    (:func:`~skrebalance.functional.tde_logits`). :math:`\alpha` acts at
    prediction only: set it on the fitted strategy
    (``clf.strategy_.set_params(alpha=...)``, or ``clf.strategy_[i]`` in a
    list) and predict again, without refitting. As a prediction hook it
    subtracts :math:`\alpha e` (:func:`~skrebalance.functional.direction_logits`)
    from the logits it is given, so it composes with any loss and with a
    sampling strategy: ``strategy=["instance_difficulty", "tde"]`` is Yu et
    al.'s "TDE + Ours".

    Parameters
    ----------
    alpha : float, default=0.5
        :math:`\alpha \ge 0`, the strength of the removal; 0 predicts with
        the plain causal-norm logits. The authors use 1 on CIFAR-10-LT, 1.5
        on CIFAR-100-LT and 3 on ImageNet-LT; on the long-tailed development
        sets (3 to 10 classes) 1 already over-corrects, costing the head
        classes more than the tail gains, and 0.5 is within the best range
        (user guide).
    momentum : float, default=0.9
        :math:`\mu \in [0, 1]` of the moving feature (the authors' 0.9).

    Attributes
    ----------
    direction_ : torch.Tensor of shape (n_features,)
        The moving feature :math:`d` (``n_features``: the width of the
        causal-norm layer's input), on the net's device; allocated once per
        fit in ``on_train_begin`` and only updated in place from then on.
        ``warm_start`` and ``partial_fit`` continue it.

    Notes
    -----
    The head's :math:`K`, :math:`\tau`, :math:`\gamma` belong to the module
    (``module__head_params``; by default the paper's :math:`K = 2`,
    :math:`\gamma = 1/32` and :math:`\tau = 32`, twice the paper's, see
    :class:`~skrebalance.CausalNormLinear`). A module without the causal-norm layer
    is refused with a ``ValueError`` at ``fit``. Rows of weight 0
    (``sample_weight``, padding) do not move :math:`d`: the batch mean is
    weighted by the batch's row weights.

    References
    ----------
    .. [1] K. Tang, J. Huang, H. Zhang, "Long-Tailed Classification by Keeping
       the Good and Removing the Bad Momentum Causal Effect", NeurIPS 2020.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skrebalance import RebalancedNetClassifier
    >>> X, y = make_classification(300, n_classes=3, n_informative=4,
    ...                            weights=[0.8, 0.15], random_state=0)
    >>> clf = RebalancedNetClassifier(strategy="tde", module__head="causal_norm",
    ...                               max_epochs=5, random_state=0).fit(X, y)
    >>> clf.strategy_.direction_.shape  # the width of the MLP's last hidden layer
    torch.Size([128])
    >>> tde = clf.predict_proba(X)
    >>> _ = clf.strategy_.set_params(alpha=0.0)  # no refit: the causal-norm logits
    >>> plain = clf.predict_proba(X)
    >>> bool((tde[:, 2] > plain[:, 2]).mean() > 0.5)  # the tail class gains
    True
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, alpha=ALPHA, momentum=MOMENTUM):
        self.alpha = alpha
        self.momentum = momentum

    def _reset_state(self):
        self.direction_ = None

    def module_params(self):
        return {"head": "causal_norm"}

    # ------------------------------------------------------------------
    # skorch hooks

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        n_features = causal_norm_head(net.module_).in_features
        # set once per fit (warm start: continued); the batches update it in place
        if self.direction_ is not None and self.direction_.shape == (n_features,):
            self.direction_ = self.direction_.to(net.device_)
        else:
            self.direction_ = torch.zeros(n_features, device=net.device_)

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training:
            return
        features = _features(y_pred, self.direction_.shape[0])
        update_moving_feature_(self.direction_, features.detach(), self.momentum,
                               getattr(batch, "sample_weight", None), check_input=False)

    # ------------------------------------------------------------------
    # prediction

    @torch.no_grad()
    def adjust_logits_with_output(self, net, logits, output):
        validate_parameter_constraints(
            {"alpha": self._parameter_constraints["alpha"]}, {"alpha": self.alpha},
            caller_name=type(self).__name__,
        )
        head = causal_norm_head(net.module_)
        features = _features(output, head.in_features)
        if self.alpha == 0:
            return logits
        direction = self.direction_.to(features.device)
        return logits - self.alpha * head.direction_logits(features, direction).to(logits.dtype)
