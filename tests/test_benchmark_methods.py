"""The UCI benchmark's methods (default net, LightGBM, RealMLP) and its scores by hand."""

import argparse

import numpy as np
import pandas as pd
import pytest
import uci.jobs
import uci.methods
import uci.options
from sklearn.datasets import make_classification

from skrebalance import RebalancedNetClassifier

SETTINGS = uci.methods.NetSettings(epochs=2, hidden_units=(8,), lr=0.05, batch_size=16)


def _frame(n=120, seed=0):
    X, y = make_classification(n_samples=n, n_features=5, weights=[0.8, 0.2], random_state=seed)
    X = pd.DataFrame(X * 100.0 + 50.0, columns=[f"x{i}" for i in range(5)])  # unscaled
    return X, y


def _job(method, n, seed=3):
    rows = np.arange(n)
    return uci.jobs.Job("toy", method, 0, 0, 2, seed, rows[: n // 2], rows[n // 2:])


def test_default_method_is_the_classifier_as_shipped():
    pipe = uci.methods.build_estimator(uci.methods.Method("default", "default"), SETTINGS, 7)
    net = pipe.named_steps["net"]
    shipped = RebalancedNetClassifier()
    # nothing of the run's net settings is forced on it: only the seed and the device
    for name, value in shipped.get_params(deep=False).items():
        if name not in ("random_state", "device", "callbacks"):
            assert net.get_params(deep=False)[name] == value, name
    assert (net.random_state, net.device) == (7, "cpu")
    assert net.max_epochs != SETTINGS.epochs and net.lr != SETTINGS.lr
    # numeric columns reach the net as they are (the package's own input handling)
    X, y = _frame()
    prep = pipe.named_steps["prep"].fit(X)
    np.testing.assert_allclose(prep.transform(X), X.to_numpy())


def test_package_recipe_gives_strategy_nets_only_their_strategy():
    import dataclasses

    package = dataclasses.replace(SETTINGS, package_recipe=True)
    method = uci.methods.Method("cdb", "strategy", "cdb")
    net = uci.methods.build_estimator(method, package, 7).named_steps["net"]
    shipped = RebalancedNetClassifier(strategy="cdb")
    for name, value in shipped.get_params(deep=False).items():
        if name not in ("random_state", "device", "callbacks"):
            assert net.get_params(deep=False)[name] == value, name
    # the fixed recipe forces the run's settings instead
    fixed = uci.methods.build_estimator(method, SETTINGS, 7).named_steps["net"]
    assert (fixed.max_epochs, fixed.lr) == (SETTINGS.epochs, SETTINGS.lr)
    assert (net.max_epochs, net.lr) != (SETTINGS.epochs, SETTINGS.lr)


def test_methods_with_parameters_lists_and_the_modules_strategies_need():
    named = uci.methods.select_methods(uci.methods.all_methods(), [
        "tde", "small=tde:alpha=0.2,module__head_params={'tau':8.0}", "tde:alpha=1.0",
        "instance_difficulty+tde"])
    assert [m.name for m in named] == ["tde", "small", "tde:alpha=1.0", "instance_difficulty+tde"]
    nets = [uci.methods.build_estimator(m, SETTINGS, 0).named_steps["net"] for m in named]
    # tde asks for the causal-norm head (module_params), with or without parameters
    assert {net.get_params()["module__head"] for net in nets} == {"causal_norm"}
    assert nets[1].get_params()["strategy__alpha"] == 0.2
    assert nets[1].get_params()["module__head_params"] == {"tau": 8.0}
    assert nets[2].get_params()["strategy__alpha"] == 1.0
    assert nets[3].strategy == ["instance_difficulty", "tde"]
    assert uci.methods.param_grid(named[3]) == {}
    with pytest.raises(ValueError, match="unknown method"):
        uci.methods.select_methods(uci.methods.all_methods(), ["tde+nothing"])
    X, y = _frame()
    nets[3].fit(X.to_numpy(), y)
    assert nets[3].strategy_[1].direction_.shape == (8,)


def test_lightgbm_balanced_is_single_threaded_seeded_and_deterministic():
    method = uci.methods.Method("LightGBM-balanced", "lgbm")
    clf = uci.methods.build_estimator(method, SETTINGS, 11).named_steps["clf"]
    params = clf.get_params()
    assert params["class_weight"] == "balanced" and params["n_jobs"] == 1
    assert params["random_state"] == 11 and params["verbose"] == -1 and params["deterministic"]
    X, y = _frame(200)
    job = _job(method, len(y))
    first = uci.jobs.run_job(job, X, y, SETTINGS)
    again = uci.jobs.run_job(job, X, y, SETTINGS)
    assert first["error"] == ""
    for metric in uci.jobs.METRICS:
        assert first[metric] == again[metric] or (np.isnan(first[metric])
                                                   and np.isnan(again[metric]))
    # class_weight="balanced" matters on this 4:1 problem
    plain = uci.methods.build_estimator(method, SETTINGS, 11).set_params(clf__class_weight=None)
    train = job.train
    weighted = uci.methods.build_estimator(method, SETTINGS, 11).fit(X.iloc[train], y[train])
    plain.fit(X.iloc[train], y[train])
    assert not np.allclose(weighted.predict_proba(X), plain.predict_proba(X))


def test_realmlp_fits_with_its_own_defaults():
    pytest.importorskip("pytabkit", reason="RealMLP needs pytabkit, the realmlp extra "
                                           "(pip install -e \".[test,realmlp]\")")
    method = uci.methods.Method("RealMLP", "realmlp")
    assert uci.methods.unavailable(method) == ""
    pipe = uci.methods.build_estimator(method, SETTINGS, 5)
    clf = pipe.named_steps["clf"]
    assert (clf.random_state, clf.n_threads, clf.device) == (5, 1, "cpu")
    X, y = _frame(80)
    pipe.set_params(clf__n_epochs=2)  # a short fit for the test; the benchmark keeps 256
    proba = pipe.fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


def test_missing_optional_package_leaves_the_method_out_with_a_note(monkeypatch):
    real_find_spec = uci.methods.importlib.util.find_spec
    monkeypatch.setattr(uci.methods.importlib.util, "find_spec",
                        lambda name: None if name == "pytabkit" else real_find_spec(name))
    opts = argparse.Namespace(paper=False, methods=None)
    methods, notes = uci.options.methods_for(opts)
    assert "RealMLP" not in [m.name for m in methods]
    assert "LightGBM-balanced" in [m.name for m in methods]
    assert notes == ["RealMLP needs pytabkit, which is not installed (pip install pytabkit): "
                     "left out."]
    opts.methods = ["none", "realmlp"]
    with pytest.raises(ValueError, match="pip install pytabkit"):
        uci.options.methods_for(opts)


def test_scores_by_hand():
    # binary: the minority class "a" is the positive one of the average precision;
    # scores of "a" 0.9, 0.8, 0.7, 0.1 for truths a, b, a, b: precision 1 at
    # recall 1/2, then 2/3 at recall 1, so AP = 0.5 * 1 + 0.5 * 2/3 = 0.8333
    y_true = np.array(["a", "b", "a", "b"])
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.9]])
    classes = np.array(["a", "b"])
    pred = classes[proba.argmax(axis=1)]
    scores = uci.jobs.score(y_true, pred, proba, classes, positive="a")
    assert scores["average_precision"] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert scores["accuracy"] == 0.75 and np.isnan(scores["few_shot_accuracy"])
    # long-tailed: 2 test rows per class; many = {0}, medium = {1, 2}, few = {3}
    y_true = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    y_pred = np.array([0, 0, 1, 0, 2, 2, 0, 1])
    shots = {"many": np.array([0]), "medium": np.array([1, 2]), "few": np.array([3])}
    proba = np.eye(4)[y_pred]
    scores = uci.jobs.score(y_true, y_pred, proba, np.arange(4), shots=shots)
    assert scores["many_shot_accuracy"] == 1.0
    assert scores["medium_shot_accuracy"] == 0.75  # 3 of the 4 rows of classes 1 and 2
    assert scores["few_shot_accuracy"] == 0.0
    assert scores["accuracy"] == 5 / 8 and np.isnan(scores["average_precision"])


def test_paper_nets_pin_the_papers_optimisation():
    import torch

    paper = uci.methods.make_net(uci.methods.NetSettings(paper=True), 0, "class_balanced")
    params = paper.get_params()
    assert params["optimizer"] is torch.optim.Adam
    assert getattr(paper, "callbacks__lr_schedule", "unset") is None  # skorch: switched off
    assert params["module__input_scaling"] is None
    plain = uci.methods.make_net(SETTINGS, 0, "class_balanced").get_params()
    assert plain["optimizer"] is torch.optim.AdamW and "module__input_scaling" not in plain
