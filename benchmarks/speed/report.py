"""Speed benchmark, report: the targets, the Markdown summary, the CSV files and the plot.

Targets (issue 7), each named by what it measures and printed as PASS, FAIL or
N/A with the measured ratios:

``speed_vs_baselines``
    ``none`` <= 0.4 x ``skorch_plain`` and <= 1.3 x ``sklearn_mlp`` on the CPU
    at N = 1e5 (every synthetic set of that size).
``strategy_overhead``
    Every strategy <= 1.25 x ``none`` at N = 1e5.
``linear_scaling``
    Time per row at N = 1e6 within 1.5 x that at N = 1e4 (with other sizes the
    smallest and largest measured are compared and the line says so).
``state_memory``
    Strategy state <= ``(k + 4) * 4`` bytes per row plus ``64 (k + 1)^2 + 4096``
    bytes, on every data set.
``batch_loop_syncs``
    (CUDA with ``--count-syncs``) no host synchronisation in the batch loop.
``graph_limit``
    (CUDA) ``none`` within 1.5 x the captured bare loop (``bare_captured``,
    ``speed/bare_loop.py``) at the largest N (issue 20).
``gpu_throughput``
    (CUDA) every strategy at least 3M row-epochs per second at the largest N.

When 1e5 is not among the sizes, the first two use the largest size and say so.
"""

import os

import torch

import _common
from speed.measure import BASELINES

# ---------------------------------------------------------------------------
# targets


def _at_size(summary, want):
    sizes = sorted(summary[summary.synthetic].n.unique())
    if not sizes:
        return None, ""
    if want in sizes:
        return want, ""
    return sizes[-1], f" (N={want:g} not measured: at N={sizes[-1]:g})"


def _x(ratio):
    return "n/a" if ratio != ratio else f"{ratio:.2f}x"


def _verdict(values, limit):
    values = [v for v in values if v == v]  # drop NaN
    if not values:
        return "N/A"
    return "PASS" if max(values) <= limit else "FAIL"


def evaluate_targets(summary, args):
    """List of (target, verdict, detail) lines; verdict PASS, FAIL or N/A."""
    out = []
    syn = summary[summary.synthetic]
    strategies = [m for m in summary.method.unique() if m not in BASELINES]
    device = torch.device(args.device).type

    # none against plain skorch and MLPClassifier on CPU at 1e5
    n1, note = _at_size(syn, 100_000)
    rows = syn[(syn.n == n1) & (syn.method == "none")]
    if rows.empty:
        out.append(("speed_vs_baselines", "N/A", "strategy 'none' not measured"))
    else:
        detail = "; ".join(
            f"{r.dataset}: none/skorch = {_x(r.x_skorch)} (<= 0.4), "
            f"none/MLPClassifier = {_x(r.x_sklearn)} (<= 1.3)"
            for r in rows.itertuples()
        )
        if device == "cpu":
            verdict = _combine(_verdict(rows.x_skorch, 0.4), _verdict(rows.x_sklearn, 1.3))
        else:
            verdict, note = "N/A", note + f" (CPU target; this run is on {device})"
        out.append(("speed_vs_baselines", verdict, detail + note))

    # every strategy <= 1.25 x none at 1e5
    rows = syn[(syn.n == n1) & syn.method.isin(strategies) & (syn.method != "none")]
    if rows.empty:
        out.append(("strategy_overhead", "N/A", "no strategy besides 'none' measured"))
    else:
        rows = rows.sort_values("x_none", ascending=False)
        detail = "; ".join(
            f"{r.method} on {r.dataset}: {_x(r.x_none)}" for r in rows.itertuples()
        )
        failed = rows[rows.error != ""]
        verdict = _verdict(rows.x_none, 1.25)
        if len(failed):
            verdict = "FAIL"
            detail += "; errors: " + ", ".join(sorted(set(failed.method)))
        out.append(("strategy_overhead", verdict, f"limit 1.25x; {detail}{note}"))

    # linear scaling: time per row at 1e6 against 1e4
    sizes = sorted(syn.n.unique())
    if len(sizes) < 2:
        out.append(("linear_scaling", "N/A", "needs at least two sizes"))
    else:
        lo, hi = sizes[0], sizes[-1]
        exact = lo == 10_000 and hi == 1_000_000
        parts = []
        for (ds, method), grp in syn[syn.method.isin(strategies)].groupby(["dataset", "method"]):
            t = grp.set_index("n").time_s
            if hi in t.index and lo in t.index:  # missing after an error or interruption
                parts.append(((t[hi] / hi) / (t[lo] / lo), f"{method} on {ds}"))
        parts.sort(key=lambda p: -p[0] if p[0] == p[0] else 0)
        verdict = _verdict([r for r, _ in parts], 1.5)
        if not exact and verdict != "N/A":
            verdict += " (partial)"
        out.append(("linear_scaling", verdict,
                    f"time/row at N={hi:g} over N={lo:g}, limit 1.5x; "
                    + "; ".join(f"{name}: {_x(r)}" for r, name in parts)))

    # strategy state memory
    rows = summary[summary.method.isin(strategies) & summary.state_B_row.notna()]
    if rows.empty:
        out.append(("state_memory", "N/A", "no state measured"))
    else:
        worst = rows.assign(frac=rows.state_B_row / rows.budget_B_row).sort_values("frac")
        verdict = "PASS" if (worst.frac <= 1).all() else "FAIL"
        top = worst.groupby("method").tail(1).sort_values("frac", ascending=False)
        detail = "; ".join(
            f"{r.method}: {r.state_B_row:.1f} B/row of {r.budget_B_row:.1f} "
            f"({r.dataset}, N={r.n:g})"
            for r in top.itertuples()
        )
        out.append(("state_memory", verdict, "largest state per method: " + detail))

    # on a GPU: the captured bare loop is the limit (issue 20)
    n_top = max(syn.n.unique(), default=None)
    top = syn[(syn.n == n_top) & syn.method.isin(strategies)]
    if device != "cuda" or top.empty or top.x_limit.isna().all():
        out.append(("graph_limit", "N/A", "needs --device cuda (bare_captured is the limit)"))
        out.append(("gpu_throughput", "N/A", "needs --device cuda"))
    else:
        none = top[top.method == "none"]
        detail = "; ".join(f"{r.dataset}: none/bare_captured = {_x(r.x_limit)}"
                           for r in none.itertuples())
        out.append(("graph_limit", _verdict(none.x_limit, 1.5),
                    f"N={n_top:g}, limit 1.5x; {detail}"))
        low = top.sort_values("rows_per_s")
        detail = "; ".join(f"{r.method} on {r.dataset}: {r.rows_per_s / 1e6:.2f}M"
                           for r in low.itertuples())
        verdict = "PASS" if (low.rows_per_s >= 3e6).all() else "FAIL"
        out.append(("gpu_throughput", verdict,
                    f"row-epochs/s at N={n_top:g}, at least 3M each; {detail}"))

    # host syncs in the batch loop
    rows = summary[summary.method.isin(strategies) & summary.syncs_batch.notna()]
    if rows.empty:
        why = "run with --device cuda --count-syncs" if device == "cpu" or not args.count_syncs \
            else "no sync counts"
        out.append(("batch_loop_syncs", "N/A", why))
    else:
        worst = rows.groupby("method").syncs_batch.max()
        verdict = "PASS" if (worst == 0).all() else "FAIL"
        detail = ", ".join(f"{m}: {v:.2f}" for m, v in worst.items())
        out.append(("batch_loop_syncs", verdict, "max syncs per batch: " + detail))
    return out


def _combine(*verdicts):
    if "FAIL" in verdicts:
        return "FAIL"
    if all(v == "N/A" for v in verdicts):
        return "N/A"
    return "PASS"


# ---------------------------------------------------------------------------
# reporting


def machine_description(args):
    """The machine and the thread settings of the run."""
    threads = getattr(args, "torch_threads", torch.get_num_threads())
    return (f"{_common.machine_description(args.device)}; torch threads: {threads}"
            f"{'' if args.threads else ' (library default)'}; BLAS threads: "
            f"{args.threads or 'library default'}")


COLUMNS = [
    ("dataset", "{}"), ("n", "{:,}"), ("k", "{}"), ("method", "{}"),
    ("time_s", "{:.3f}"), ("rows_per_s", "{:,.0f}"), ("x_skorch", "{:.2f}"),
    ("x_sklearn", "{:.2f}"), ("x_none", "{:.2f}"), ("x_limit", "{:.2f}"), ("rss_mb", "{:.1f}"),
    ("cuda_mb", "{:.1f}"), ("state_B_row", "{:.1f}"), ("budget_B_row", "{:.1f}"),
    ("syncs_batch", "{:.2f}"), ("syncs_epoch", "{:.1f}"),
]


def markdown_table(summary):
    """The summary as Markdown lines ("error" / "n/a" for missing values)."""
    rows = []
    for r in summary.itertuples():
        cells = []
        for col, fmt in COLUMNS:
            v = getattr(r, col)
            if isinstance(v, float) and v != v:
                cells.append("error" if col == "time_s" and r.error else "n/a")
            else:
                cells.append(fmt.format(v))
        rows.append(cells)
    return _common.markdown_table([c for c, _ in COLUMNS], rows).split("\n")


def write_plot(summary, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    syn = summary[summary.synthetic & summary.time_s.notna()]
    ks = sorted(syn.k.unique())
    fig, axes = plt.subplots(1, max(len(ks), 1), figsize=(5.5 * max(len(ks), 1), 4.2),
                             squeeze=False)
    for ax, k in zip(axes[0], ks):
        sub = syn[syn.k == k]
        for method, grp in sub.groupby("method", sort=False):
            grp = grp.sort_values("n")
            style = "--" if method in BASELINES else "-"
            ax.plot(grp.n, grp.time_s, style, marker="o", label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training rows N")
        ax.set_ylabel("median fit time (s)")
        ax.set_title(f"synthetic, k={k} classes")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(raw, summary, targets, args, argv, load_before, load_after):
    os.makedirs(args.out, exist_ok=True)
    tag = args.tag or torch.device(args.device).type
    stem = os.path.join(args.out, f"speed_{tag}")
    summary.to_csv(stem + ".csv", index=False, float_format="%.6g")
    raw.to_csv(stem + "_raw.csv", index=False, float_format="%.6g")
    png = stem + ".png"
    write_plot(summary, png)
    lines = [
        f"# Speed benchmark ({tag})",
        "",
        f"Command: `{_common.command_line('speed.py', argv)}`",
        "",
        f"Machine: {machine_description(args)}.",
        "",
        f"Load average (1, 5, 15 min) before: {_fmt_load(load_before)}; "
        f"after: {_fmt_load(load_after)}.",
        "",
        *(["**Interrupted: the table holds only the fits done before the interruption.**", ""]
          if getattr(args, "interrupted", False) else []),
        f"Settings: MLP hidden {tuple(args.hidden)} (the package's MLP for every net), "
        f"lr {args.lr}{' (fused optimizer)' if args.fused else ''}: plain skorch with "
        "Adam at a constant rate, the strategy nets with the classifier's default "
        f"optimizer and schedule (AdamW, warm-up + cosine); {args.epochs} epochs, batch {args.batch_size}, "
        f"{args.repeats} interleaved repeats (median), device {args.device}.",
        "",
        "Columns: `time_s` median fit time; `rows_per_s` = N x epochs / time_s; "
        "`x_skorch`, `x_sklearn`, `x_none` ratios of time_s to plain skorch, "
        "MLPClassifier and strategy none; `rss_mb` peak RSS increase during fit; "
        "`cuda_mb` CUDA max allocated during fit; `state_B_row` fitted strategy "
        "state bytes per row, `budget_B_row` target 4's allowance; `syncs_batch` "
        "host syncs per batch in the batch loop, `syncs_epoch` other syncs per epoch "
        "(`--count-syncs` on CUDA).",
        "",
        *markdown_table(summary),
        "",
        "## Targets",
        "",
        *[f"- {t}: **{v}**: {d}" for t, v, d in targets],
        "",
        f"![fit time vs N]({os.path.basename(png)})",
        "",
    ]
    errors = summary[summary.error != ""]
    if len(errors):
        lines += ["## Errors", ""]
        lines += [f"- {r.method} on {r.dataset} (N={r.n}): {r.error}" for r in errors.itertuples()]
        lines.append("")
    with open(stem + ".md", "w") as fh:
        fh.write("\n".join(lines))
    return stem


def _fmt_load(load):
    return "n/a" if load is None else ", ".join(f"{v:.2f}" for v in load)


def _loadavg():
    try:
        return os.getloadavg()
    except OSError:
        return None
