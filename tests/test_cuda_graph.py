"""The captured CUDA-graph training step (``cuda_graph=``) against the eager step.

The CPU tests check the planning (which fits capture, the errors); the tests
marked ``cuda`` check that the captured step computes what the eager step
computes: with dropout off and the same seed both paths reach the same
parameters (``atol=1e-5``, ``rtol=1e-4``: the same kernels in another
launch order), state changed between steps reaches the graph, and every row
of an epoch is trained on once.
"""

import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, GradientNormClipping
from sklearn.datasets import make_classification

from skrebalance import RebalancedNetClassifier
from skrebalance._cuda_graph import capture_blockers
from skrebalance.strategies import available, get_strategy_class

#: 530 rows at batch 64: eight full batches and a partial one of 18 rows
N_ROWS, BATCH = 530, 64
TOL = dict(atol=1e-5, rtol=1e-4)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=N_ROWS, n_features=8, n_informative=5, n_classes=3,
                               weights=[0.7, 0.2, 0.1], random_state=0)
    return X.astype(np.float32), y


def _net(**kwargs):
    params = dict(max_epochs=3, batch_size=BATCH, random_state=0, module__dropout=0.0)
    params.update(kwargs)
    return RebalancedNetClassifier(**params)


def _module_params(name):
    # what a strategy needs of the module (tde: the causal-norm head)
    strategy = get_strategy_class(name)()
    needs = getattr(strategy, "module_params", dict)()
    return {f"module__{key}": value for key, value in needs.items()}


def _params(clf):
    return [p.detach().cpu() for p in clf.module_.parameters()]


def _assert_same_training(a, b):
    for pa, pb in zip(_params(a), _params(b)):
        torch.testing.assert_close(pa, pb, **TOL)
    np.testing.assert_allclose(a.history[:, "train_loss"], b.history[:, "train_loss"], rtol=1e-4)


class RecordRows(Callback):
    """Keeps the rows of every training batch, by epoch."""

    def on_train_begin(self, net, **kwargs):
        self.rows_ = []

    def on_epoch_begin(self, net, **kwargs):
        self.rows_.append([])

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            self.rows_[-1].append(batch.index.cpu())

    def on_train_end(self, net, **kwargs):
        captured = net.__dict__.get("_captured_step_")
        self.captures_ = None if captured is None else captured.captures_


# ----------------------------------------------------------------------
# planning, on any machine


def test_cuda_graph_is_validated(data):
    X, y = data
    with pytest.raises(ValueError, match="cuda_graph"):
        _net(cuda_graph="always", device="cpu").fit(X, y)


def test_true_refuses_the_cpu_and_auto_trains_eagerly(data):
    X, y = data
    with pytest.raises(ValueError, match=r"cuda_graph=True.*needs a CUDA device"):
        _net(cuda_graph=True, device="cpu").fit(X, y)
    clf = _net(cuda_graph="auto", device="cpu").fit(X, y)
    assert clf.cuda_graph_ is False
    # the CPU optimizer is built as before (no capturable state)
    assert not clf.optimizer_.param_groups[0].get("capturable", False)


def test_capture_blockers_name_what_prevents_capture(data):
    X, y = data
    clf = _net(device="cpu", optimizer=torch.optim.SGD, max_epochs=1,
               callbacks=[("clip", GradientNormClipping(1.0))]).fit(X, y)
    reasons = " | ".join(capture_blockers(clf, {"mask": None}))
    assert "cpu" in reasons
    assert "SGD" in reasons
    assert "'clip'" in reasons and "on_grad_computed" in reasons
    assert "['mask']" in reasons


def test_a_net_pickled_mid_fit_leaves_its_captured_step_behind(data):
    X, y = data
    clf = _net(device="cpu", max_epochs=1).fit(X, y)
    clf._captured_step_ = lambda: None  # stands for the graphs of a fit in progress
    restored = pickle.loads(pickle.dumps(clf))
    assert "_captured_step_" not in vars(restored)
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))


# ----------------------------------------------------------------------
# the captured step, on a GPU


@pytest.mark.cuda
@pytest.mark.parametrize("name", available())
def test_captured_step_matches_the_eager_step_for_every_strategy(data, name):
    X, y = data
    kwargs = dict(strategy=name, device="cuda", **_module_params(name))
    eager = _net(cuda_graph=False, **kwargs).fit(X, y)
    captured = _net(cuda_graph=True, **kwargs).fit(X, y)
    assert captured.cuda_graph_ is True and eager.cuda_graph_ is False
    _assert_same_training(captured, eager)


@pytest.mark.cuda
def test_sample_weight_and_class_weight_apply_in_the_graph(data):
    X, y = data
    weight = np.random.default_rng(0).uniform(0.0, 2.0, len(y))
    kwargs = dict(device="cuda", class_weight="balanced", strategy="none")
    eager = _net(cuda_graph=False, **kwargs).fit(X, y, sample_weight=weight)
    captured = _net(cuda_graph=True, **kwargs).fit(X, y, sample_weight=weight)
    _assert_same_training(captured, eager)
    unweighted = _net(cuda_graph=True, device="cuda", strategy="none").fit(X, y)
    assert not np.allclose(unweighted.history[:, "train_loss"], captured.history[:, "train_loss"])


class SetClassWeightAtEpoch2(Callback):
    """Changes the criterion's class weights in place from the second epoch on."""

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            net.criterion_.set_class_weight(torch.tensor([0.1, 1.0, 5.0], device=net.device_))


@pytest.mark.cuda
def test_a_class_weight_change_mid_fit_reaches_the_graph(data):
    X, y = data
    kwargs = dict(device="cuda", strategy="class_balanced")
    changed = _net(cuda_graph=True, callbacks=[SetClassWeightAtEpoch2()], **kwargs).fit(X, y)
    eager = _net(cuda_graph=False, callbacks=[SetClassWeightAtEpoch2()], **kwargs).fit(X, y)
    plain = _net(cuda_graph=True, **kwargs).fit(X, y)
    _assert_same_training(changed, eager)
    losses, plain_losses = changed.history[:, "train_loss"], plain.history[:, "train_loss"]
    assert losses[0] == pytest.approx(plain_losses[0], rel=1e-5)
    assert losses[1] != pytest.approx(plain_losses[1], rel=1e-3)


class ZeroLrAfterEpoch1(Callback):
    """Sets every group's learning rate to 0.0 (a float) from the second epoch on."""

    def on_batch_begin(self, net, training=False, **kwargs):
        if training and len(net.history) >= 2:
            for group in net.optimizer_.param_groups:
                group["lr"] = 0.0

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            self.params_ = [p.detach().clone() for p in net.module_.parameters()]


@pytest.mark.cuda
def test_the_schedules_learning_rate_reaches_the_graph(data):
    X, y = data
    frozen = ZeroLrAfterEpoch1()
    clf = _net(device="cuda", cuda_graph=True, callbacks=[frozen]).fit(X, y)
    for before, after in zip(frozen.params_, clf.module_.parameters()):
        torch.testing.assert_close(before, after.detach())
    # the warm-up + cosine schedule's per-batch rates reach it too (same as eager)
    eager = _net(device="cuda", cuda_graph=False).fit(X, y)
    _assert_same_training(_net(device="cuda", cuda_graph=True).fit(X, y), eager)
    # after the fit the learning rates are floats again (pickles, CPU loads)
    assert all(isinstance(g["lr"], float) for g in clf.optimizer_.param_groups)
    assert pickle.loads(pickle.dumps(clf)).predict(X).shape == (N_ROWS,)


@pytest.mark.cuda
@pytest.mark.parametrize("strategy", ["none", "instance_difficulty"])
def test_no_row_is_lost_or_repeated_in_an_epoch(data, strategy):
    X, y = data
    rows = RecordRows()
    _net(device="cuda", cuda_graph=True, strategy=strategy, callbacks=[rows]).fit(X, y)
    assert rows.captures_ == 2  # the full batches and the last, partial one
    for epoch in rows.rows_:
        sizes = [len(r) for r in epoch]
        assert sizes == [BATCH] * (N_ROWS // BATCH) + [N_ROWS % BATCH]
        if strategy == "none":  # a shuffle visits every row once
            assert sorted(torch.cat(epoch).tolist()) == list(range(N_ROWS))


@pytest.mark.cuda
def test_dropout_runs_in_the_graph_reproducibly(data):
    X, y = data
    a = _net(device="cuda", cuda_graph=True, module__dropout=0.3).fit(X, y)
    b = _net(device="cuda", cuda_graph=True, module__dropout=0.3).fit(X, y)
    for pa, pb in zip(_params(a), _params(b)):
        torch.testing.assert_close(pa, pb)
    losses = a.history[:, "train_loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


class HostReadingMLP(torch.nn.Module):
    """A module that reads a value on the host in every forward: not capturable."""

    def __init__(self, n_features, n_classes, dropout=0.0):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_classes)

    def forward(self, X):
        if X.abs().max().item() > 1e9:  # a host synchronisation
            raise ValueError("unexpected input")
        return self.linear(X)


@pytest.mark.cuda
def test_an_uncapturable_module_falls_back_to_eager_or_raises_with_true(data):
    X, y = data
    with pytest.warns(RuntimeWarning, match="could not be captured"):
        clf = _net(module=HostReadingMLP, device="cuda", cuda_graph="auto").fit(X, y)
    assert clf.cuda_graph_ is False
    eager = _net(module=HostReadingMLP, device="cuda", cuda_graph=False).fit(X, y)
    _assert_same_training(clf, eager)
    with pytest.raises(ValueError, match="cuda_graph=True, but capturing"):
        _net(module=HostReadingMLP, device="cuda", cuda_graph=True).fit(X, y)


@pytest.mark.cuda
def test_true_refuses_a_gradient_callback_by_name(data):
    X, y = data
    with pytest.raises(ValueError, match="on_grad_computed"):
        _net(device="cuda", cuda_graph=True,
             callbacks=[("clip", GradientNormClipping(1.0))]).fit(X, y)
    clf = _net(device="cuda", callbacks=[("clip", GradientNormClipping(1.0))]).fit(X, y)
    assert clf.cuda_graph_ is False
