"""Smoke tests of ``benchmarks/speed.py`` and its helpers (no timing assertions)."""

import signal
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import speed.cli
import speed.measure as measure
import speed.report as report
import torch

from skrebalance.strategies import available

TARGETS = ["speed_vs_baselines", "strategy_overhead", "linear_scaling", "state_memory",
           "graph_limit", "gpu_throughput", "batch_loop_syncs"]


def test_smallest_run_reports_every_method(tmp_path):
    argv = ["--sizes", "300", "--classes", "2", "--repeats", "1", "--epochs", "1",
            "--real", "none", "--threads", "1", "--out", str(tmp_path), "--tag", "smoke"]
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    summary, targets = speed.cli.main(argv)
    # the clean-stop handlers are removed again
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers

    # on the CPU the eager bare loop is the limit; the captured one needs CUDA
    expected = set(available()) | {"skorch_plain", "sklearn_mlp", "bare_eager"}
    assert set(summary.method) == expected
    assert (summary.n == 300).all()
    ok = summary[summary.error == ""]
    # a strategy still being written may fail; the baselines and "none" must not
    assert {"none", "skorch_plain", "sklearn_mlp", "bare_eager"} <= set(ok.method)
    assert summary.x_limit.isna().all()  # no captured loop on the CPU
    assert (ok.time_s > 0).all() and (ok.rows_per_s > 0).all()
    assert ok.set_index("method").x_none["none"] == pytest.approx(1.0)
    assert ok.set_index("method").x_skorch["skorch_plain"] == pytest.approx(1.0)
    # MLPClassifier really ran the requested number of epochs
    assert ok.set_index("method").epochs_run["sklearn_mlp"] == 1
    # sync counting is CUDA-only
    assert summary.syncs_batch.isna().all()

    md = (tmp_path / "speed_smoke.md").read_text()
    for method in expected:
        assert f"| {method} |" in md
    assert "python benchmarks/speed.py --sizes 300" in md
    assert "Machine:" in md and "Load average" in md
    assert [t for t, _, _ in targets] == TARGETS
    for t, verdict, _ in targets:
        assert f"- {t}: **{verdict}**" in md
    csv = pd.read_csv(tmp_path / "speed_smoke.csv")
    assert len(csv) == len(expected)
    raw = pd.read_csv(tmp_path / "speed_smoke_raw.csv")
    assert set(raw.method) == set(ok.method)
    assert (tmp_path / "speed_smoke.png").stat().st_size > 1000


def test_unavailable_real_dataset_is_skipped(monkeypatch, capsys):
    import skrebalance.datasets

    def broken(name, **kwargs):
        raise FileNotFoundError("no data files")

    monkeypatch.setattr(skrebalance.datasets, "load_dataset", broken)
    assert measure.real_dataset("page-blocks0") is None
    assert "real data set 'page-blocks0' skipped" in capsys.readouterr().out


def test_bad_arguments_are_rejected():
    with pytest.raises(SystemExit):
        speed.cli.parse_args(["--sizes", "10"])
    with pytest.raises(ValueError, match="--methods"):
        measure.method_names(["no_such_method"])


def test_state_budget_by_hand():
    # state_memory: (k + 4) * 4 bytes per row + 64 (k + 1)^2 + 4096
    # n = 100, k = 2: 6 * 4 * 100 = 2400; 64 * 9 = 576; 2400 + 576 + 4096 = 7072
    assert measure.state_budget_bytes(100, 2) == 7072


def test_state_bytes_counts_shared_storage_once():
    weights = torch.zeros(10)  # 40 bytes
    strategy = SimpleNamespace(weights_=weights, history_=[torch.zeros(5, dtype=torch.int64)],
                               gamma=2.0)
    criterion = torch.nn.Module()
    criterion.register_buffer("class_weight", weights)  # same storage: not counted again
    net = SimpleNamespace(strategies_=[strategy], criterion_=criterion)
    # 10 float32 (40 B) + 5 int64 (40 B)
    assert measure.strategy_state_bytes(net) == 80


def _summary(times, n=100_000, k=2, synthetic=True):
    rows = []
    for method, t in times.items():
        rows.append(dict(dataset=f"synthetic k={k}", n=n, k=k, synthetic=synthetic,
                         method=method, time_s=t, x_skorch=t / times["skorch_plain"],
                         x_sklearn=t / times["sklearn_mlp"], x_none=t / times["none"],
                         state_B_row=np.nan if method in ("skorch_plain", "sklearn_mlp")
                         else 0.0, budget_B_row=24.0, syncs_batch=np.nan, error=""))
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "times, verdicts",
    [
        # none/skorch = 4/10 = 0.4 <= 0.4, none/sklearn = 4/3.5 = 1.14 <= 1.3,
        # focal/none = 5/4 = 1.25 <= 1.25
        ({"none": 4.0, "focal": 5.0, "skorch_plain": 10.0, "sklearn_mlp": 3.5},
         ("PASS", "PASS")),
        # none/sklearn = 4/3 = 1.33 > 1.3; focal/none = 5.2/4 = 1.3 > 1.25
        ({"none": 4.0, "focal": 5.2, "skorch_plain": 10.0, "sklearn_mlp": 3.0},
         ("FAIL", "FAIL")),
    ],
)
def test_targets_verdicts(times, verdicts):
    args = SimpleNamespace(device="cpu", count_syncs=False)
    targets = {t: (v, d) for t, v, d in report.evaluate_targets(_summary(times), args)}
    assert (targets["speed_vs_baselines"][0], targets["strategy_overhead"][0]) == verdicts
    assert "none/skorch = 0.40x" in targets["speed_vs_baselines"][1]
    assert targets["linear_scaling"][0] == "N/A"  # a single size
    assert targets["state_memory"][0] == "PASS"
    assert targets["batch_loop_syncs"][0] == "N/A"


@pytest.mark.cuda
def test_sync_counter_sees_a_sync_in_the_batch_loop():
    from skorch.callbacks import Callback

    class ItemPerBatch(Callback):
        def on_batch_end(self, net, batch=None, training=None, **kwargs):
            batch[1].sum().item()  # one host synchronisation per batch

    args = speed.cli.parse_args(["--device", "cuda", "--epochs", "2", "--batch-size", "64"])
    data = measure.synthetic_dataset(256, 5, 2, 10)
    clean = measure.count_syncs("none", data, args)
    dirty = measure.count_syncs("none", data, args, callbacks=[ItemPerBatch()])
    assert clean["syncs_batch"] == 0
    assert dirty["syncs_batch"] >= 1


def test_fit_cut_short_by_sigint_is_not_timed(tmp_path, monkeypatch):
    from skorch.callbacks import Callback

    class SigintAtEpoch(Callback):  # Ctrl-C after the second epoch of the fit
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                signal.raise_signal(signal.SIGINT)

    make_estimator, fits = measure.make_estimator, []

    def third_fit_interrupted(method, data, args, **kwargs):
        fits.append(method)
        if len(fits) == 3:  # after the warm-up fit and one timed fit of "none"
            kwargs["callbacks"] = [SigintAtEpoch()]
        return make_estimator(method, data, args, **kwargs)

    monkeypatch.setattr(measure, "make_estimator", third_fit_interrupted)
    argv = ["--sizes", "300", "--classes", "2", "--repeats", "2", "--epochs", "3",
            "--methods", "none", "--real", "none", "--out", str(tmp_path), "--tag", "cut"]
    summary, _ = speed.cli.main(argv)
    raw = pd.read_csv(tmp_path / "speed_cut_raw.csv")
    assert fits == ["none"] * 3  # the run stopped at the interrupted fit ...
    assert len(raw) == 1 and raw.repeat.tolist() == [0]  # ... which was not timed
    assert summary.set_index("method").repeats["none"] == 1
    assert "**Interrupted" in (tmp_path / "speed_cut.md").read_text()
