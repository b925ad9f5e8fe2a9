"""The UCI benchmark's record of finished jobs survives Ctrl-C, SIGKILL and torn writes."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import _common
import numpy as np
import pandas as pd
import pytest
import torch
import uci.cli
import uci.jobs
import uci.methods
import uci.store
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

SMALL = ["--suite", "haberman", "--n-splits", "2", "--n-repeats", "1", "--epochs", "3",
         "--brf-trees", "5", "--methods", "none", "LR", "BRF", "--no-progress"]
SCORES = ["accuracy", "balanced_accuracy", "f1_macro", "g_mean", "roc_auc"]
KEY = list(uci.jobs.KEY)


def _scores(folder):
    rows = pd.read_csv(Path(folder) / "folds.csv")
    return rows.sort_values(KEY).reset_index(drop=True)[KEY + SCORES]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    assert uci.cli.main([*SMALL, "--out", str(out)])["jobs_run"] == 6
    return _scores(out)


def _store(folder):
    return uci.store.ResultStore(folder, uci.jobs.KEY, uci.jobs.COLUMNS,
                                  text_columns=("best_params", "error"))


class SigintAtEpoch(Callback):
    """Sends this process SIGINT at the end of an epoch, as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)


def test_sigint_mid_fit_is_not_recorded_and_resume_gives_the_same_numbers(
        uninterrupted, tmp_path, monkeypatch, capsys):
    make_net, fits = uci.methods.make_net, []

    def interrupted_second_net(settings, random_state, strategy="none", params=None):
        net = make_net(settings, random_state, strategy, params)
        fits.append(net)
        if len(fits) == 2:  # the net of the second fold, stopped after 2 of 3 epochs
            net.set_params(callbacks=[SigintAtEpoch(2)])
        return net

    monkeypatch.setattr(uci.methods, "make_net", interrupted_second_net)
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stop:
        uci.cli.main([*SMALL, "--out", str(tmp_path)])
    assert stop.value.code == 130
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    # skorch swallowed the KeyboardInterrupt and returned the net after 2 epochs ...
    assert len(fits) == 2 and len(fits[1].history) == 2
    out = capsys.readouterr().out
    assert "Interrupted (SIGINT): 3 of 6 pending jobs finished" in out
    assert "3 of 6 jobs are stored" in out
    # ... but its job was not recorded: only the three jobs of fold 0 are
    stored = _scores(tmp_path)
    assert stored[["method", "fold"]].values.tolist() == [
        ["BRF", 0], ["LR", 0], ["none", 0]]
    runs = [line for line in (tmp_path / "runs.jsonl").read_text().splitlines() if line]
    assert len(runs) == 1 and '"interrupted": true' in runs[0]

    monkeypatch.setattr(uci.methods, "make_net", make_net)
    assert uci.cli.main([*SMALL, "--out", str(tmp_path)])["jobs_run"] == 3
    pd.testing.assert_frame_equal(_scores(tmp_path), uninterrupted)


class EarlyStop(Callback):
    """Ends training the way skorch's EarlyStopping does: KeyboardInterrupt, no signal."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt


def _net(callbacks):
    module = torch.nn.Sequential(torch.nn.Linear(4, 2))
    return NeuralNetClassifier(module, criterion=torch.nn.CrossEntropyLoss, max_epochs=5,
                               train_split=None, callbacks=callbacks, verbose=0)


def test_guard_tells_a_signal_from_early_stopping():
    X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    with _common.interruption_guard():  # early stopping: the fit just ends
        net = _net([EarlyStop()]).fit(X, y)
    assert len(net.history) == 2
    with pytest.raises(_common.Interrupted, match="SIGINT"):
        with _common.interruption_guard():  # Ctrl-C: skorch returns, the guard does not
            net = _net([SigintAtEpoch(3)]).fit(X, y)
    assert len(net.history) == 3
    with pytest.raises(_common.Interrupted, match="SIGTERM"):
        with _common.interruption_guard():  # any estimator: the interrupt propagates
            os.kill(os.getpid(), signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with _common.interruption_guard():  # not a signal: left alone
            raise KeyboardInterrupt
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _row(fold, score):
    row = dict.fromkeys(uci.jobs.COLUMNS, np.nan)
    row.update(dataset="d", method="m", repeat=0, fold=fold, balanced_accuracy=score,
               best_params="", error="")
    return row


def test_sigkill_mid_write_loses_only_the_row_being_written(tmp_path):
    # a process appends four rows and is killed before it closes the store: the
    # rows sit in the write-ahead log; then the last one is torn, as when the kill
    # lands while the operating system writes it
    script = textwrap.dedent(f"""
        import os, signal
        from uci.store import ResultStore
        columns = {uci.jobs.COLUMNS!r}
        store = ResultStore({str(tmp_path)!r}, {uci.jobs.KEY!r}, columns,
                            text_columns=("best_params", "error"))
        for fold in range(4):
            row = dict.fromkeys(columns)
            row.update(dataset="d", method="m", repeat=0, fold=fold,
                       balanced_accuracy=fold / 10, best_params="", error="")
            store.append(row)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, PYTHONPATH=str(BENCHMARKS))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    wal = tmp_path / (uci.store.DB_NAME + "-wal")
    size = wal.stat().st_size
    assert size > 0
    os.truncate(wal, size - 100)  # cut into the last frame of the last row

    store = _store(tmp_path)
    assert store.problems == []  # SQLite drops the torn transaction itself
    assert sorted(store.finished()) == [("d", "m", 0, f) for f in range(3)]
    assert store.results()["balanced_accuracy"].tolist() == [0.0, 0.1, 0.2]


def test_damaged_record_is_reported_deleted_and_its_job_redone(tmp_path):
    store = _store(tmp_path)
    for fold in range(3):
        store.append(_row(fold, 0.5))
    store.close()
    with sqlite3.connect(tmp_path / uci.store.DB_NAME) as conn:
        conn.execute("UPDATE records SET payload = substr(payload, 1, 40) "
                     "WHERE id = (SELECT max(id) FROM records)")
        conn.execute("UPDATE records SET payload = replace(payload, '0.5', '0.9') "
                     "WHERE id = (SELECT min(id) FROM records)")
    store = _store(tmp_path)
    assert len(store.problems) == 2
    assert all("checksum mismatch" in p and "redone" in p for p in store.problems)
    assert "job d/m/0/0" in store.problems[0]
    assert sorted(store.finished()) == [("d", "m", 0, 1)]
    assert _store(tmp_path).problems == []  # deleted once, not reported again


def _cut_last_row(path, keep):
    """Cut the last row of ``path`` after ``keep`` characters (from its end if < 0)."""
    text = path.read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    start = len(text.rstrip("\n")) - len(last)
    path.write_text(text[: start + (keep if keep >= 0 else len(last) + keep)])
    return last


def test_torn_csv_row_is_detected_on_import_and_resume_gives_the_same_numbers(
        uninterrupted, tmp_path, capsys):
    assert uci.cli.main([*SMALL, "--out", str(tmp_path)])["jobs_run"] == 6
    # the database is lost and folds.csv ends in a row cut short mid-number
    os.remove(tmp_path / uci.store.DB_NAME)
    csv_path = tmp_path / uci.store.CSV_NAME
    last = _cut_last_row(csv_path, keep=-30)
    assert last.startswith("haberman,BRF,0,1,")  # the last job in plan order
    capsys.readouterr()
    info = uci.cli.main([*SMALL, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "line 7 of" in out and "cut short" in out and "redone" in out
    assert info["jobs_run"] == 1
    pd.testing.assert_frame_equal(_scores(tmp_path), uninterrupted)
    assert "cut short" in (tmp_path / "summary.md").read_text()


def test_glued_or_altered_csv_rows_and_unreadable_database(tmp_path):
    store = _store(tmp_path)
    for fold in range(3):
        store.append(_row(fold, 0.5))
    store.export()
    store.close()
    csv_path = tmp_path / uci.store.CSV_NAME
    lines = csv_path.read_text().splitlines(keepends=True)
    # row of fold 1 torn and the next row appended onto it (the old appender's
    # failure); one digit of fold 0's score changed: the checksum tells both
    glued = lines[2][:30] + lines[3]
    csv_path.write_text(lines[0] + lines[1].replace("0.5", "0.6") + glued)
    # the database is garbage: moved aside and rebuilt from folds.csv
    (tmp_path / uci.store.DB_NAME).write_bytes(b"not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (uci.store.DB_NAME + suffix)).unlink(missing_ok=True)
    store = _store(tmp_path)
    assert "could not be read" in store.problems[0]
    assert (tmp_path / (uci.store.DB_NAME + ".corrupt-1")).exists()
    reasons = [p.split(" is unreadable ")[1] for p in store.problems[1:]]
    assert reasons[0] == "(checksum mismatch): skipped, its job is redone."
    assert f"{len(uci.jobs.COLUMNS) + 1} expected" in reasons[1]
    assert len(reasons) == 2
    assert store.finished() == set()
