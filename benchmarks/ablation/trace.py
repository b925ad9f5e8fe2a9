"""instance_difficulty's sampling weights epoch by epoch, for each prior ``c``.

On ``make_classification(4000, n_features=10, n_informative=5, weights=[0.965],
flip_y=0.01, random_state=0)`` (4.0 % minority, standardised), the plain net of
the studies (:data:`ablation.runs.PLAIN`: MLP (64, 64), ``lr=0.01``, 50 epochs,
batch 128, ``random_state=0``) with ``strategy="instance_difficulty"`` and each
``c``: after every epoch the effective sample size of the sampling weights, the
minority's share of them and the medians of the two sums of the difficulty
(learning and unlearning variation, :math:`\\sum du` and :math:`\\sum dl`).
"""

import numpy as np
import pandas as pd
from skorch.callbacks import Callback
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

import _common
import uci.methods
from ablation.runs import PLAIN

CS = (0.1, 1.0, "auto")
EPOCHS_SHOWN = (1, 2, 3, 5, 10, 20, 30, 50)


class RecordSums(Callback):
    """The medians of the strategy's sums after its epoch update (user callbacks run after it)."""

    def on_epoch_end(self, net, **kwargs):
        strategy = net.strategy_
        net.history.record("median_sum_du", float(strategy.sum_du_.median()))
        net.history.record("median_sum_dl", float(strategy.sum_dl_.median()))


def run(cs=CS):
    """One row per (c, epoch)."""
    X, y = make_classification(4000, n_features=10, n_informative=5, weights=[0.965],
                               flip_y=0.01, random_state=0)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    rows = []
    for c in cs:
        with _common.torch_threads(1):
            net = uci.methods.make_net(PLAIN, 0)
            net.set_params(strategy="instance_difficulty", strategy__c=c,
                           callbacks=[RecordSums()])
            net.fit(X, y)
        for epoch in net.history:
            rows.append(dict(c=str(c), c_used=net.strategy_.c_, epoch=epoch["epoch"],
                             ess=epoch["sampling_ess"],
                             minority_share=epoch["sampling_class_share"][1],
                             median_sum_du=epoch["median_sum_du"],
                             median_sum_dl=epoch["median_sum_dl"]))
    return pd.DataFrame(rows)


def report(frame, command, machine):
    lines = ["# Ablation `instance-difficulty-trace`: the sampling weights epoch by epoch", "",
             f"Command: `{command}`", "", machine, "", __doc__.split("\n\n")[1].replace("\n", " "),
             "Cited by `docs/user_guide/instance_difficulty.rst`.", ""]
    used = frame.groupby("c").c_used.first()
    header = ["epoch"] + [f"c={c}" + (f" ({used[c]:.3g})" if c == "auto" else "")
                          + ": ESS / minority share / median sum du, sum dl"
                          for c in frame.c.unique()]
    rows = []
    for epoch in EPOCHS_SHOWN:
        cells = [str(epoch)]
        for c in frame.c.unique():
            r = frame[(frame.c == c) & (frame.epoch == epoch)]
            if not len(r):
                cells.append("")
                continue
            r = r.iloc[0]
            cells.append(f"{r.ess:.0f} / {100 * r.minority_share:.1f} % / "
                         f"{r.median_sum_du:.2g}, {r.median_sum_dl:.2g}")
        rows.append(cells)
    return "\n".join(lines + [_common.markdown_table(header, rows), ""])
