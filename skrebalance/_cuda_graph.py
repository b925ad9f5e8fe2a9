"""The captured training step: one CUDA graph replayed per optimizer step.

On a GPU a small tabular net's training step is launch-bound: each of its
few hundred kernels is tiny, so the step costs about the same whatever the
batch. Recording the whole step (gather the batch by index, forward, the
strategy's loss with its per-row weights, backward, optimizer step) once as a
CUDA graph and replaying it costs one launch per step instead.

What the captured step relies on (and checks where it can):

- shapes are static: one graph per batch size (the full batches, and the
  epoch's last partial batch, which gets its own graph: no row is lost or
  counted twice, and the mean of the loss divides by the real batch size);
- every tensor the step reads (parameters, buffers of the module and of the
  criterion: class weights, margins, histograms; the data; the learning
  rate) is allocated before capture and updated in place. Before every
  replay the step compares the tensors it was captured with against those
  the criterion holds now (every step; the module's once per epoch) and each
  strategy's :meth:`~skrebalance.strategies.RebalancingStrategy.capture_key`;
  when one was replaced, it captures again instead of reading stale memory;
- nothing inside the step asks the host for a value.

The learning rate of each parameter group becomes a device tensor for the
captured fit; a value a callback writes into ``param_groups`` (a float, as
:class:`~skrebalance.callbacks.WarmupCosineLR` and skorch's ``LRScheduler``
do) is copied into it before the next replay, and the floats are put back
when the fit ends.
"""

import warnings

import torch
from skorch.callbacks import Callback

from .samplers import DeviceBatch

__all__ = ["CAPTURABLE_OPTIMIZERS", "CapturedTrainStep", "capture_blockers", "plan_captured_step"]

#: optimizers whose step can be captured (``capturable=True``, fresh state all zeros)
CAPTURABLE_OPTIMIZERS = (torch.optim.Adam, torch.optim.AdamW)
#: eager steps run (and undone) before a capture: they allocate the optimizer
#: state and let libraries initialise their handles outside the graph
WARMUP_STEPS = 2


def wants_capturable_optimizer(net):
    """Whether ``net``'s optimizer should be built with ``capturable=True``.

    True on CUDA for Adam/AdamW unless ``cuda_graph=False``: the eager and
    the captured path then run the same optimizer, so they give the same
    numbers.
    """
    device = getattr(net, "device_", None)
    return (
        cuda_graph_mode(net) is not False
        and device is not None and device.type == "cuda"
        and isinstance(net.optimizer, type) and issubclass(net.optimizer, CAPTURABLE_OPTIMIZERS)
    )


def cuda_graph_mode(net):
    """``net.cuda_graph`` as ``"auto"``, ``True`` or ``False`` (numpy booleans included)."""
    mode = getattr(net, "cuda_graph", "auto")
    return mode if isinstance(mode, str) else bool(mode)


def capture_blockers(net, fit_params=None):
    """Why the training step of ``net`` cannot be captured (an empty list when it can).

    Parameters
    ----------
    net : RebalancedNetClassifier
        An initialized net.
    fit_params : dict or None, default=None
        The keyword arguments ``fit`` passes to the module's ``forward``.

    Returns
    -------
    list of str
        One sentence per reason, naming the setting at fault.
    """
    reasons = []
    if net.device_.type != "cuda":
        reasons.append(f"the net trains on {net.device_} (capture needs a CUDA device)")
    if not isinstance(net.optimizer_, CAPTURABLE_OPTIMIZERS):
        reasons.append(
            f"optimizer {type(net.optimizer_).__name__} is not one of "
            f"{[c.__name__ for c in CAPTURABLE_OPTIMIZERS]}"
        )
    elif not all(group.get("capturable", False) for group in net.optimizer_.param_groups):
        reasons.append("the optimizer was built with capturable=False (optimizer__capturable)")
    if fit_params:
        reasons.append(f"fit passes {sorted(fit_params)} to the module's forward")
    for name, callback in net.callbacks_:
        if type(callback).on_grad_computed is not Callback.on_grad_computed:
            reasons.append(
                f"callback {name!r} ({type(callback).__name__}) acts between backward and "
                "the optimizer step (on_grad_computed)"
            )
    for strategy in getattr(net, "strategies_", []):
        if not strategy.supports_cuda_graph:
            reasons.append(f"strategy {type(strategy).__name__} needs Python in every step")
    return reasons


def plan_captured_step(net, train, fit_params):
    """The :class:`CapturedTrainStep` of this fit, or ``None`` for the eager step.

    ``cuda_graph=False`` and ``"auto"`` where capture cannot work give
    ``None``; ``cuda_graph=True`` where it cannot raises a ``ValueError``
    with the reasons.
    """
    mode = cuda_graph_mode(net)
    if mode is False:
        return None
    reasons = capture_blockers(net, fit_params)
    if reasons and mode is True:
        raise ValueError(
            "cuda_graph=True, but the training step cannot be captured as a CUDA graph: "
            + "; ".join(reasons) + ". Use cuda_graph='auto' (captures where it can) or False."
        )
    if reasons:
        return None
    return CapturedTrainStep(net, train.X, train.y, train.sample_weight)


class CapturedTrainStep:
    """Replays one captured CUDA graph per training step of one fit.

    Built by :func:`plan_captured_step` when a fit starts; the classifier's
    ``train_step`` hands it every training batch
    (a :class:`~skrebalance.samplers.DeviceBatch`, whose ``index`` gives its
    rows). Graphs are captured lazily, at the first batch of each size, and
    again when the state they read was replaced (see the module docstring).

    Parameters
    ----------
    net : RebalancedNetClassifier
        The net being fitted (initialized, on a CUDA device).
    X, y : torch.Tensor
        The training rows and their encoded labels (the tensors batches index).
    sample_weight : torch.Tensor or None
        Per-row loss weights of the training rows.

    Attributes
    ----------
    captures_ : int
        Graphs captured so far in this fit.
    """

    def __init__(self, net, X, y, sample_weight):
        self.net = net
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.graphs = {}
        self.lr_tensors = None
        self.disabled = False
        self.captures_ = 0

    # ------------------------------------------------------------------

    def step(self, batch):
        """Run the training step of ``batch`` on the graph; ``None`` if it fell back to eager.

        Returns skorch's step dict (``loss``, ``y_pred``), copies of the
        graph's outputs (the next replay overwrites those).
        """
        if self.disabled:
            return None
        index = batch.index
        self._sync_lr()
        graph = self.graphs.get(index.shape[0])
        key = self._state_key(graph)
        if graph is None or not _same_key(graph.key, key):
            try:
                graph = self.graphs[index.shape[0]] = self._capture(index, key)
            except Exception as exc:  # noqa: BLE001 - any failure means: run eagerly
                self._fall_back(exc)
                return None
        graph.index.copy_(index, non_blocking=True)
        graph.graph.replay()
        return {"loss": graph.loss.clone(), "y_pred": _clone(graph.y_pred)}

    def close(self):
        """End of the fit: drop the graphs, put the learning rates back as floats."""
        self.graphs = {}
        if self.lr_tensors is not None:
            for group, lr in zip(self.net.optimizer_.param_groups, self.lr_tensors):
                if group["lr"] is lr:
                    group["lr"] = float(lr)  # one host read per fit
            self.lr_tensors = None
        self.net.optimizer_.zero_grad(set_to_none=True)  # grads live in the graphs' pools

    # ------------------------------------------------------------------

    def _run(self, index):
        """The step as captured: gather by index, skorch's step, the optimizer step."""
        net = self.net
        pick = lambda t: None if t is None else t.index_select(0, index)  # noqa: E731
        batch = DeviceBatch(pick(self.X), pick(self.y), pick(self.sample_weight), index)
        step = net.train_step_single(batch)
        net.optimizer_.step()
        return step["loss"], step["y_pred"]

    def _capture(self, index, key):
        net = self.net
        device = self.X.device
        static_index = index.clone()
        snapshot = _TrainingState(net)
        try:
            net.optimizer_.zero_grad(set_to_none=True)
            side = torch.cuda.Stream(device)
            side.wait_stream(torch.cuda.current_stream(device))
            # a step that reads a value on the host cannot be captured: find out
            # in the warm-up (sync debug mode raises there) rather than in a
            # capture, whose failure would leave torch's CUDA generator marked
            # as capturing (every later dropout would then fail)
            previous = torch.cuda.get_sync_debug_mode()
            torch.cuda.set_sync_debug_mode("error")
            try:
                with torch.cuda.stream(side):
                    for _ in range(WARMUP_STEPS):
                        net.optimizer_.zero_grad(set_to_none=True)
                        self._run(static_index)
            finally:
                torch.cuda.set_sync_debug_mode(previous)
            torch.cuda.current_stream(device).wait_stream(side)
        finally:
            snapshot.restore()  # the warm-up steps leave no trace
        net.optimizer_.zero_grad(set_to_none=True)
        graph = torch.cuda.CUDAGraph()
        # torch.cuda.graph() would also run gc.collect() and empty the cache
        # allocator at every capture: tens of milliseconds each, for nothing here
        torch.cuda.synchronize(device)
        try:
            with torch.cuda.stream(side):
                graph.capture_begin()
                try:
                    loss, y_pred = self._run(static_index)
                finally:
                    graph.capture_end()
        except Exception:
            net.optimizer_.zero_grad(set_to_none=True)
            _reset_generator_capture_state(device)
            raise
        torch.cuda.current_stream(device).wait_stream(side)
        self.captures_ += 1
        return _Graph(graph, static_index, loss, y_pred, key, len(net.history))

    def _fall_back(self, exc):
        net = self.net
        if cuda_graph_mode(net) is True:
            raise ValueError(
                f"cuda_graph=True, but capturing the training step failed: {exc}. A module "
                "or loss that reads values on the host in every step cannot be captured; "
                "use cuda_graph=False."
            ) from exc
        warnings.warn(
            f"the training step could not be captured as a CUDA graph ({exc}); this fit "
            "trains eagerly. Set cuda_graph=False to silence this.", RuntimeWarning,
            stacklevel=4,
        )
        self.disabled = True
        self.close()
        net.cuda_graph_ = False

    def _sync_lr(self):
        # the graph reads each group's lr from a device tensor; callbacks write
        # floats (or other tensors) into param_groups: copy them in, in place
        groups = self.net.optimizer_.param_groups
        if self.lr_tensors is None:
            self.lr_tensors = [
                torch.tensor(float(g["lr"]), dtype=torch.float32, device=self.X.device)
                for g in groups
            ]
        for group, lr in zip(groups, self.lr_tensors):
            value = group["lr"]
            if value is lr:
                continue
            if torch.is_tensor(value):
                lr.copy_(value, non_blocking=True)
            else:
                lr.fill_(value)
            group["lr"] = lr

    def _state_key(self, graph=None):
        # (module tensors, criterion tensors, strategies' keys). The module's
        # tensors are listed again once per epoch (a callback replacing one
        # mid-epoch is not looked for); the criterion's, in every step.
        net = self.net
        epoch = len(net.history)
        if graph is not None and graph.epoch == epoch:
            module_tensors = graph.key[0]
        else:
            module_tensors = [*net.module_.parameters(), *net.module_.buffers()]
            if graph is not None:
                graph.epoch = epoch
        criterion_tensors = [*net.criterion_.parameters(), *net.criterion_.buffers()]
        extra = tuple(s.capture_key() for s in getattr(net, "strategies_", []))
        return module_tensors, criterion_tensors, extra


class _Graph:
    """One captured graph: its index input, its outputs, the state it was captured on."""

    def __init__(self, graph, index, loss, y_pred, key, epoch):
        self.graph, self.index, self.loss, self.y_pred, self.key = graph, index, loss, y_pred, key
        self.epoch = epoch  # the epoch whose module tensors the key lists


class _TrainingState:
    """A copy of what a training step changes, to undo the warm-up steps.

    Parameters and buffers of the module and criterion, and the optimizer's
    state: tensors that existed are copied back in place; state the warm-up
    created is zeroed, which is Adam/AdamW's fresh state (step 0, zero
    moments).
    """

    def __init__(self, net):
        self.optimizer = net.optimizer_
        tensors = [*net.module_.parameters(), *net.module_.buffers(),
                   *net.criterion_.parameters(), *net.criterion_.buffers()]
        for state in net.optimizer_.state.values():
            tensors += [v for v in state.values() if torch.is_tensor(v)]
        self.tensors = tensors
        self.copies = [t.detach().clone() for t in tensors]
        self.had_state = set(net.optimizer_.state)

    @torch.no_grad()
    def restore(self):
        for tensor, copy in zip(self.tensors, self.copies):
            tensor.copy_(copy)
        for param, state in self.optimizer.state.items():
            if param not in self.had_state:
                for value in state.values():
                    if torch.is_tensor(value):
                        value.zero_()


def _reset_generator_capture_state(device):
    # a capture that fails ends without torch's generator epilogue, so the
    # default CUDA generator still believes it is capturing; a clone of its
    # state (same seed and offset) is not, best effort across torch versions
    generator = torch.cuda.default_generators[device.index or torch.cuda.current_device()]
    try:
        generator.graphsafe_set_state(generator.clone_state())
    except (AttributeError, RuntimeError):
        pass


def _same_key(a, b):
    if a[-1] != b[-1]:
        return False
    return all(len(ta) == len(tb) and all(x is y for x, y in zip(ta, tb))
               for ta, tb in zip(a[:-1], b[:-1]))


def _clone(y_pred):
    if isinstance(y_pred, (tuple, list)):
        return type(y_pred)(p.clone() for p in y_pred)
    return y_pred.clone()
