"""Initialization and parameters of the classifier: strategies, module, criterion.

The strategies are skorch callbacks built from ``strategy`` and
``strategy__*`` when the callbacks are initialized; the loss strategy's
criterion becomes ``criterion_``. ``set_params`` / ``get_params`` follow
scikit-learn's rules for the nested strategy parameters.
"""

import inspect

import torch
from torch import nn

from skorch.callbacks import ProgressBar as SkorchProgressBar

from ._cuda_graph import wants_capturable_optimizer
from ._persistence import skorch_sees_device
from ._threads import resolve_device
from ._validation import check_criterion_params, check_monitored_keys
from .callbacks import ProgressBar
from .strategies import resolve_strategies
from .strategies._registry import _name

_FUSED_BY_DEFAULT = (torch.optim.Adam, torch.optim.AdamW)


def _strategy_key(strategies):
    """What identifies the strategy settings (classes and parameters)."""
    return repr([(type(s).__qualname__, sorted(s.get_params(deep=False).items())) for s in strategies])


class InitializationMixin:
    """skorch's ``initialize_*`` points and the parameter interface."""

    def initialize(self):
        """Resolve the device and the strategy, then initialize as skorch does."""
        self.device_ = resolve_device(self.device)
        with skorch_sees_device(self):
            return super().initialize()

    def initialize_callbacks(self):
        """Initialize skorch's callbacks and the strategy callbacks.

        The strategies come right after skorch's default callbacks, before the
        user's: in ``on_epoch_end`` they update their state before a
        ``Checkpoint`` saves it or ``EarlyStopping`` reads the history, and in
        ``on_train_begin`` a ``LoadInitState`` restores their state after they
        set it up. ``PrintLog`` stays last.
        """
        keep = self.__dict__.pop("_keep_strategies_", False) and hasattr(self, "strategies_")
        strategies = self.strategies_ if keep else None
        super().initialize_callbacks()
        self._install_strategies(strategies)
        for _, callback in self.callbacks_:
            # skorch's bar divides len(dataset) by batch_size: wrong for "auto" and
            # for rows a sampler holds out; the subclass only changes that count
            if type(callback) is SkorchProgressBar:
                callback.__class__ = ProgressBar
        return self

    def _install_strategies(self, strategies=None):
        if strategies is None:
            strategies = resolve_strategies(self.strategy, self.get_params_for("strategy"))
            for strategy in strategies:
                strategy.initialize()
        self.strategy_ = strategies[0] if len(strategies) == 1 else strategies
        self.strategies_ = strategies
        self._strategy_key_ = _strategy_key(strategies)
        callbacks = [(n, cb) for n, cb in self.callbacks_ if not n.startswith("strategy_")]
        defaults = {name for name, _ in self.get_default_callbacks()} - {"print_log"}
        at = sum(1 for name, _ in callbacks if name in defaults)
        for i, strategy in enumerate(strategies):
            callbacks.insert(at + i, (f"strategy_{i}", strategy))
        self.callbacks_ = callbacks

    def _refresh_strategies(self):
        """Warm start: apply changed strategy settings (fresh strategies, criterion)."""
        strategies = resolve_strategies(self.strategy, self.get_params_for("strategy"))
        if _strategy_key(strategies) == self._strategy_key_:
            return
        old = self.criterion_
        for strategy in strategies:
            strategy.initialize()
        self._install_strategies(strategies)
        with skorch_sees_device(self):
            self._initialize_criterion(reason=None)
            if any(True for _ in old.parameters()) or any(True for _ in self.criterion_.parameters()):
                self._initialize_optimizer(reason=None)

    def initialize_module(self):
        """Build the module, filling ``n_features``/``n_classes`` from the data.

        Arguments a strategy needs of the module
        (:meth:`~skrebalance.strategies.RebalancingStrategy.module_params`,
        e.g. ``head="causal_norm"`` for ``"tde"``) are filled the same way,
        when the module's constructor takes them and ``module__<name>`` does
        not set them.
        """
        kwargs = self.get_params_for("module")
        module = self.module
        if not isinstance(module, nn.Module):
            accepted = _init_arguments(module)
            if "n_features" in accepted and hasattr(self, "n_features_in_"):
                kwargs.setdefault("n_features", self.n_features_in_)
            if "n_classes" in accepted and hasattr(self, "n_classes_"):
                kwargs.setdefault("n_classes", self.n_classes_)
            # what a strategy needs of the module (tde: the causal-norm head),
            # unless given as module__<name>
            for strategy in getattr(self, "strategies_", []):
                for key, value in strategy.module_params().items():
                    if key in accepted:
                        kwargs.setdefault(key, value)
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    def initialize_criterion(self):
        """Use the loss strategy's criterion if there is one, else ``criterion``."""
        loss_strategy = self.loss_strategy_
        check_criterion_params(self, loss_strategy)
        if loss_strategy is None:
            return super().initialize_criterion()
        self.criterion_ = loss_strategy.get_criterion(self)
        return self

    @property
    def loss_strategy_(self):
        """The strategy that provides the training loss, or ``None``."""
        return next((s for s in getattr(self, "strategies_", []) if s.provides_loss), None)

    @property
    def sampling_strategy_(self):
        """The strategy that re-weights the training rows, or ``None``."""
        return next(
            (s for s in getattr(self, "strategies_", []) if s.provides_sampling), None
        )

    def _check_training_params(self):
        self._check_iterator_params()
        check_criterion_params(self, self.loss_strategy_)
        check_monitored_keys(self)

    def get_params_for_optimizer(self, prefix, named_parameters):
        """Optimizer arguments; Adam and AdamW default to ``fused=True``.

        The fused kernel updates every parameter in one call instead of about
        ten tensor operations per parameter: the same algorithm, about a
        quarter less time per batch for a small net on the CPU.
        ``optimizer__fused=False`` (or any ``optimizer__foreach``) keeps
        torch's default implementation. On CUDA they are built with
        ``capturable=True`` (unless ``cuda_graph=False`` or
        ``optimizer__capturable`` is given), so that the training step can be
        captured as a CUDA graph and the eager path runs the same optimizer.
        """
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if prefix == "optimizer" and "capturable" not in kwargs and wants_capturable_optimizer(self):
            kwargs["capturable"] = True
        if (
            getattr(self, prefix, None) in _FUSED_BY_DEFAULT
            and "fused" not in kwargs
            and "foreach" not in kwargs
            and self.device_.type in _fused_devices()
        ):
            kwargs["fused"] = True
        return args, kwargs

    # ------------------------------------------------------------------
    # parameters

    def set_params(self, **params):
        """Set parameters; ``strategy`` and ``strategy__*`` apply at the next fit.

        A new ``strategy`` value comes with its own parameters: ``strategy__*``
        values set before are dropped (those given in the same call apply).
        """
        deferred = ("strategy", "callbacks") if not self.initialized_ else ("strategy",)
        strategy_params = {
            key: params.pop(key)
            for key in list(params)
            if key in deferred or key.startswith("strategy__")
        }
        if "strategy" in strategy_params:
            for key in [k for k in vars(self) if k.startswith("strategy__")]:
                if key not in strategy_params:
                    delattr(self, key)
                    self._params_to_validate.discard(key)
        for key, value in strategy_params.items():
            setattr(self, key, value)
            if "__" in key:
                self._params_to_validate.add(key)
        if params and self.initialized_:
            # skorch may re-initialize the module/criterion on the resolved
            # device, and rebuild the callbacks: keep the fitted strategies
            self._keep_strategies_ = True
            try:
                with skorch_sees_device(self):
                    super().set_params(**params)
            finally:
                self.__dict__.pop("_keep_strategies_", None)
        elif params:
            super().set_params(**params)
        return self

    def get_params(self, deep=True, **kwargs):
        """Parameters; with ``deep=True`` the strategy's as the fit will use them.

        ``strategy__<param>`` (``strategy__<name>__<param>`` for a list) is
        reported for every parameter of the strategy the next fit builds, its
        ``strategy__*`` overrides applied, so that
        ``set_params(**get_params(deep=True))`` changes nothing.
        """
        params = super().get_params(deep=deep, **kwargs)
        if not deep:
            return params
        try:
            strategies = resolve_strategies(self.strategy, self.get_params_for("strategy"))
        except (TypeError, ValueError):
            return params
        params = {k: v for k, v in params.items() if not k.startswith("strategy__")}
        for strategy in strategies:
            prefix = "strategy__" if len(strategies) == 1 else f"strategy__{_name(strategy)}__"
            for key, value in strategy.get_params(deep=False).items():
                params[prefix + key] = value
        return params

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_", private ones too
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def _get_params_callbacks(self, deep=True):
        params = super()._get_params_callbacks(deep=deep)
        return {
            key: value
            for key, value in params.items()
            if not key.startswith("callbacks__strategy_")
        }


def _fused_devices():
    # fused Adam runs on CUDA since torch 2.0 and on the CPU since torch 2.4
    version = torch.torch_version.TorchVersion(torch.__version__)
    return ("cpu", "cuda") if version >= "2.4" else ("cuda",)


def _init_arguments(cls):
    try:
        return set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return set()
