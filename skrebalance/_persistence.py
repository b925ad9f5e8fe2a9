"""Pickling, ``copy.deepcopy`` and ``save_params``/``load_params`` of fitted nets.

Pickle / deepcopy: skorch torch-saves ``module_``, ``criterion_`` and
``optimizer_`` in a bundle of their own, apart from the rest of the object's
state. The strategies own the criterion (and hold tensors), so they and the
callbacks that reference them go into the same bundle: one pickle memo keeps
``net.criterion_ is strategy.criterion_`` and the callbacks' references, and
skorch's ``map_location`` moves every tensor, strategy state included, to
the loading device (a net fitted on CUDA unpickles on a CPU-only machine).

``save_params(f_params=...)``: the file holds the module's ``state_dict``
plus one more entry, :data:`FIT_STATE_KEY`, with what a fresh net needs to
predict (``classes_``, ``n_features_in_``, ``feature_names_in_``) and each
strategy's :meth:`~skrebalance.strategies.RebalancingStrategy.state_dict`;
``load_params`` restores both, initializing a fresh net from it first. So
``Checkpoint`` + ``LoadInitState`` / ``load_best=True`` restore the strategy
state with the weights. (With ``use_safetensors=True`` only the module's
tensors are saved, as in skorch.)
"""

import contextlib

import numpy as np
import torch
from skorch.history import History
from skorch.utils import get_map_location

from ._threads import resolve_device

#: key of the classifier's own entry in the ``f_params`` file
FIT_STATE_KEY = "_skrebalance_fit_state"


@contextlib.contextmanager
def skorch_sees_device(net):
    """Show skorch the resolved device (``net.device_``) for the block.

    skorch moves modules and maps loaded tensors to ``net.device``; the
    user's parameter (e.g. ``"auto"``) is kept for ``get_params``/``clone``.
    """
    if not hasattr(net, "device_"):
        net.device_ = resolve_device(net.device)
    param = net.device
    vars(net)["device"] = net.device_
    try:
        yield
    finally:
        vars(net)["device"] = param


class PersistenceMixin:
    """``__getstate__``/``__setstate__`` and ``save_params``/``load_params``."""

    #: attributes pickled in skorch's torch bundle with module_/criterion_/
    #: optimizer_ (prefixes): callbacks and strategies
    _bundled_prefixes = ("callbacks", "strateg")

    def __getstate__(self):
        own = self.cuda_dependent_attributes_
        vars(self)["cuda_dependent_attributes_"] = own + list(self._bundled_prefixes)
        try:
            state = super().__getstate__()
        finally:
            vars(self)["cuda_dependent_attributes_"] = own
        state["cuda_dependent_attributes_"] = own
        # a fit's captured CUDA graphs (pickled mid-fit, e.g. by a Checkpoint
        # with f_pickle) are not state: the next fit captures its own
        state.pop("_captured_step_", None)
        return state

    def __setstate__(self, state):
        # skorch maps tensors to state["device"]; give it the resolved device
        # (CPU when a CUDA-trained model is loaded without a GPU).
        param = state.get("device")
        if param == "auto" or param is None:
            state["device"] = resolve_device(param) if "device_" in state else "cpu"
        super().__setstate__(state)
        if "device_" in state:
            self.device_ = torch.device(self.device)
        vars(self)["device"] = param

    # ------------------------------------------------------------------

    def _fit_state(self):
        classes = self.classes_
        names = getattr(self, "feature_names_in_", None)
        return {
            "classes": classes.tolist(),
            "classes_dtype": str(classes.dtype),
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
            "strategies": [s.state_dict() for s in self.strategies_],
        }

    def _apply_fit_state(self, state, strategies):
        from sklearn.preprocessing import LabelEncoder

        encoder = LabelEncoder()
        encoder.classes_ = np.asarray(state["classes"], dtype=state["classes_dtype"])
        self.label_encoder_ = encoder
        self.n_classes_ = len(encoder.classes_)
        self.n_features_in_ = state["n_features_in"]
        if state["feature_names_in"] is not None:
            self.feature_names_in_ = np.asarray(state["feature_names_in"], dtype=object)
        if not strategies:
            return
        saved = state["strategies"]
        if len(saved) != len(self.strategies_):
            raise ValueError(
                f"the saved parameters hold the state of {len(saved)} strategies, "
                f"this net has {len(self.strategies_)}: set the same strategy= first."
            )
        for strategy, strategy_state in zip(self.strategies_, saved):
            strategy.load_state_dict(strategy_state, self.device_)

    def save_params(self, f_params=None, f_optimizer=None, f_criterion=None, f_history=None,
                    use_safetensors=False, **kwargs):
        """Save parameters as skorch does; ``f_params`` also gets the fit state.

        The ``f_params`` file is the module's ``state_dict`` plus an entry
        ``"_skrebalance_fit_state"`` (classes, input size and feature names,
        each strategy's state) that :meth:`load_params` restores; to load the
        file into a bare torch module, drop that entry first. Other
        arguments as in :meth:`skorch.net.NeuralNet.save_params`.
        """
        if f_params is None:  # skorch's Checkpoint passes the module file as f_module
            f_params = kwargs.pop("f_module", None)
        if f_params is not None and not use_safetensors:
            self.check_is_fitted()
            state = dict(self.module_.state_dict())
            state[FIT_STATE_KEY] = self._fit_state()
            torch.save(state, f_params)
            f_params = None
        if any(f is not None for f in (f_params, f_optimizer, f_criterion, f_history)) or kwargs:
            super().save_params(f_params=f_params, f_optimizer=f_optimizer,
                                f_criterion=f_criterion,
                                f_history=f_history, use_safetensors=use_safetensors,
                                **kwargs)

    def load_params(self, f_params=None, f_optimizer=None, f_criterion=None, f_history=None,
                    checkpoint=None, use_safetensors=False, **kwargs):
        """Load what :meth:`save_params` (or a ``Checkpoint``) saved.

        Works on a fresh, uninitialized net: the fit state in the
        ``f_params`` file sizes the module and restores ``classes_``, so the
        net predicts right away. ``device="auto"`` maps the tensors to CUDA
        when available, else to the CPU. Other arguments as in
        :meth:`skorch.net.NeuralNet.load_params`.
        """
        if f_params is None:
            f_params = kwargs.pop("f_module", None)
        history = None
        if checkpoint is not None:
            if f_history is None and checkpoint.f_history is not None:
                history = self.history = History.from_file(checkpoint.f_history_)
            files = checkpoint.get_formatted_files(self)
            files.pop("f_history", None)
            files.pop("f_pickle", None)
            explicit = {"f_params": f_params, "f_optimizer": f_optimizer,
                        "f_criterion": f_criterion, **kwargs}
            files.update({k: v for k, v in explicit.items() if v is not None})
            f_params = files.pop("f_params", None) or files.pop("f_module", None)
            f_optimizer = files.pop("f_optimizer", None)
            f_criterion = files.pop("f_criterion", None)
            kwargs = files
        state, fit_state = None, None
        if f_params is not None and not use_safetensors:
            device = self.device_ if self.initialized_ else resolve_device(self.device)
            load_kwargs = self.torch_load_kwargs or {"weights_only": True}
            state = torch.load(f_params, map_location=get_map_location(device), **load_kwargs)
            fit_state = state.pop(FIT_STATE_KEY, None)
            f_params = None
        if not self.initialized_:
            if fit_state is not None:
                self._apply_fit_state(fit_state, strategies=False)
            self.initialize()
            if history is not None:
                self.history = history
        if state is not None:
            self.module_.load_state_dict(state)
        if fit_state is not None:
            self._apply_fit_state(fit_state, strategies=True)
        others = {"f_params": f_params, "f_optimizer": f_optimizer,
                  "f_criterion": f_criterion, "f_history": f_history, **kwargs}
        others = {k: v for k, v in others.items() if v is not None}
        if others:
            with skorch_sees_device(self):
                super().load_params(use_safetensors=use_safetensors, **others)
