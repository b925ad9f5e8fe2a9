"""Sub-class imbalance simulation: the analogue of Table 3 of Yu et al. (CVPR 2022).

What it measures
----------------
Yu et al. argue that instance difficulty re-balances *inside* a class, where
class-level methods cannot: a class made of a frequent and a rare sub-population
stays imbalanced under class re-weighting. This script builds such data from
scikit-learn's ``load_digits`` (offline):

* the task is **even vs odd** (class 0 = digits 0, 2, 4, 6, 8; class 1 = the odd
  digits); the model only sees this binary label;
* each class is made of 5 **sub-classes** (its digits) with a long-tailed
  profile: per seed the digits of a class are shuffled and the ``r``-th keeps
  ``n_max * subclass_ratio ** (-r / 4)`` training images;
* the odd class is the minority: its largest sub-class has
  ``n_max / class_ratio`` images;
* the test set is a stratified, balanced hold-out (40 % of every digit, drawn
  before the long-tailed training subset).

``--profile paper`` follows the paper's protocol instead: one long-tailed
profile over the digits in their order (digit ``d`` keeps
``n_max * 100 ** (-d / 9)`` images, rounded: 100, 60, 36, 22, 13, 8, 5, 3, 2, 1
of ``load_digits``, where MNIST gives the paper 6000 ... 60), so that the even class is the majority by a
factor of about 1.7, the majority sub-classes are 0, 2 (even) and 1, 3 (odd)
and the minority ones 4, 6, 8 and 5, 7, 9.

An MLP is trained with ``strategy="none"``, ``"class_balanced"`` and
``"instance_difficulty"`` over several seeds. Reported, mean and std over seeds:

* accuracy overall, per class (recall of even / odd), on the *majority*
  sub-classes (the 2 largest of each class, by training count) and on the
  *minority* sub-classes (the 3 smallest of each class), pooled and per class,
  all on the test set;
* ``class_ratio`` and ``subclass_ratio``: the ratio of the summed sampling
  weights of the largest to the smallest class (sub-class, over all 10) on the
  training set after re-weighting, the paper's "Class Ratio" / "Sub-Class
  Ratio" columns; ``within_class_ratio``: the same ratio over the sub-classes
  of one class, averaged over the two classes (what class-level weighting
  cannot change).
  The effective weight of an instance is uniform for ``none``, its class weight
  for ``class_balanced`` and its final sampling weight :math:`w_i` for
  ``instance_difficulty``. Without re-weighting they are the count ratios.

Strategies that are not registered (yet) are skipped with a message.

The summary ends with the paper's Table 3
(``benchmarks/paper_tables/yu2022_table3.csv``) next to ours, Base / Class-Balance
/ Our Approach being ``none`` / ``class_balanced`` / ``instance_difficulty``:
the gains of each method over the others in the paper and here (accuracy
points; the ratios as factors), in how many cells both go the same way, and
the best method per column (:mod:`_paper_tables`). The paper trains on MNIST,
we on the 8x8 digits, so compare the patterns.

How to run
----------
::

    python benchmarks/subclass_simulation.py                   # default, ~1-2 min on 2 cores
    python benchmarks/subclass_simulation.py --seeds 0 1 --epochs 20 --out-dir /tmp/x
    python benchmarks/subclass_simulation.py --profile paper \
        --out-dir benchmarks/results/subclass_simulation_paper_profile

Results are written as CSV (one row per strategy and seed) and as a Markdown
summary (mean ± std) to ``benchmarks/results/subclass_simulation.{csv,md}``.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

# helper module beside this script (its folder is first on sys.path)
import _paper_tables
from _common import command_line, make_net, markdown_table, torch_threads
from skrebalance.functional import instance_difficulty, psi_split
from skrebalance.strategies import get_strategy_class

STRATEGIES = ("none", "class_balanced", "instance_difficulty")
METRICS = (
    "acc_overall",
    "acc_class_even",
    "acc_class_odd",
    "acc_major_sub",
    "acc_minor_sub",
    "acc_even_major",
    "acc_even_minor",
    "acc_odd_major",
    "acc_odd_minor",
    "class_ratio",
    "subclass_ratio",
    "within_class_ratio",
)
N_SUB = 5  # digits per class
N_MAJOR = 2  # the largest sub-classes of each class count as "majority"
PROFILES = ("per-class", "paper")
#: Yu et al.'s Table 3: our strategy of each row, and our metric of each column.
PAPER_TABLE = "yu2022_table3.csv"
PAPER_METHODS = {"Base Model": "none", "Class-Balance Loss": "class_balanced",
                 "Our Approach": "instance_difficulty"}
PAPER_SHORT = {"Base Model": "Base", "Class-Balance Loss": "CB", "Our Approach": "Ours"}
PAPER_COLUMNS = {"overall": "acc_overall", "even_overall": "acc_class_even",
                 "even_major": "acc_even_major", "even_minor": "acc_even_minor",
                 "odd_overall": "acc_class_odd", "odd_major": "acc_odd_major",
                 "odd_minor": "acc_odd_minor", "class_ratio": "class_ratio",
                 "subclass_ratio": "subclass_ratio"}
PAPER_RATIOS = ("class_ratio", "subclass_ratio")
PAPER_PAIRS = (("CB", "Base"), ("Ours", "Base"), ("Ours", "CB"))


def simulate_unlearning(
    unlearn_probs=(0.1, 0.2, 0.4), n=200, steps=60, n_classes=10, c=0.1, seed=0
):
    """The paper's Fig. 4 simulation: difficulty of instances unlearned at random.

    Each instance has a true-class logit ``z`` (the other logits are 0), so its
    prediction starts uniform. At every step ``z`` moves by a random amount in
    ``[0.25, 0.75]``: down ("unlearned") with its group's probability, up
    otherwise. The variations go through
    :func:`skrebalance.functional.psi_split` and
    :func:`skrebalance.functional.instance_difficulty`.

    Parameters
    ----------
    unlearn_probs : sequence of float, default=(0.1, 0.2, 0.4)
        Unlearning probability of each group (easy, normal, hard).
    n : int, default=200
        Instances per group.
    steps : int, default=60
        Number of updates.
    n_classes : int, default=10
        Number of classes of the simulated predictions.
    c : float, default=0.1
        Prior of the difficulty.
    seed : int, default=0
        Seed of the simulation.

    Returns
    -------
    difficulty : ndarray of shape (steps + 1, len(unlearn_probs), n)
        Difficulty of every instance after every step (all 1 at step 0).
    """
    g = torch.Generator().manual_seed(seed)
    groups = len(unlearn_probs)
    q = torch.tensor(unlearn_probs, dtype=torch.float64).repeat_interleave(n)
    y = torch.zeros(groups * n, dtype=torch.long)
    logits = torch.zeros(groups * n, n_classes, dtype=torch.float64)
    sum_du = torch.zeros(groups * n, dtype=torch.float64)
    sum_dl = torch.zeros_like(sum_du)
    p_prev = torch.softmax(logits, dim=1)
    history = [instance_difficulty(sum_du, sum_dl, c)]
    for _ in range(steps):
        step = 0.5 * torch.rand(groups * n, generator=g, dtype=torch.float64) + 0.25
        down = torch.rand(groups * n, generator=g, dtype=torch.float64) < q
        logits[:, 0] += torch.where(down, -step, step)
        p = torch.softmax(logits, dim=1)
        du, dl = psi_split(p_prev, p, y)
        sum_du += du
        sum_dl += dl
        p_prev = p
        history.append(instance_difficulty(sum_du, sum_dl, c))
    return torch.stack(history).view(steps + 1, groups, n).numpy()


def make_subclass_digits(seed, n_max=100, class_ratio=5.0, subclass_ratio=10.0, test_size=0.4,
                         profile="per-class", imbalance_ratio=100.0):
    """Even-vs-odd digits with long-tailed sub-classes (digits) in each class.

    Parameters
    ----------
    seed : int
        Seeds the test split and the choice of which digit is frequent.
    n_max : int, default=100
        Training images of the largest sub-class of the even class.
    class_ratio : float, default=5.0
        Ratio of the largest even to the largest odd sub-class (and so,
        approximately, of the class sizes).
    subclass_ratio : float, default=10.0
        Ratio of the largest to the smallest sub-class inside each class.
    test_size : float, default=0.4
        Fraction of every digit held out (balanced test set).
    profile : {"per-class", "paper"}, default="per-class"
        ``"per-class"``: the profile above, the digits of each class shuffled
        per seed. ``"paper"``: Yu et al.'s, one profile over the digits in
        their order, digit ``d`` keeping ``n_max * imbalance_ratio ** (-d / 9)``
        images (rounded) (``class_ratio`` and ``subclass_ratio`` are not used); the
        majority sub-classes are then 0, 1, 2, 3.
    imbalance_ratio : float, default=100.0
        Largest over smallest digit of the ``"paper"`` profile.

    Returns
    -------
    dict
        ``X_train, y_train, sub_train, X_test, y_test, sub_test`` (``y`` is
        0 for even and 1 for odd, ``sub`` the digit) and ``major``, the digits
        counted as majority sub-classes.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}.")
    rng = np.random.RandomState(seed)
    X, digit = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_pool, X_test, d_pool, d_test = train_test_split(
        X, digit, test_size=test_size, stratify=digit, random_state=seed
    )
    keep, major = [], []
    for parity, largest in ((0, n_max), (1, n_max / class_ratio)):
        digits = rng.permutation(np.arange(parity, 10, 2))
        if profile == "paper":
            digits = np.arange(parity, 10, 2)
        for rank, d in enumerate(digits):
            n = largest * subclass_ratio ** (-rank / (N_SUB - 1))
            if profile == "paper":  # rounded: floor would give digits 8 and 9 one image each
                n = np.round(n_max * imbalance_ratio ** (-d / 9))
            n = max(1, int(np.floor(n + 1e-9)))
            rows = np.flatnonzero(d_pool == d)
            if n > len(rows):
                raise ValueError(f"digit {d} has only {len(rows)} training images, {n} asked.")
            keep.append(rng.choice(rows, n, replace=False))
            if rank < N_MAJOR:
                major.append(int(d))
    keep = np.sort(np.concatenate(keep))
    return {
        "X_train": X_pool[keep],
        "y_train": d_pool[keep] % 2,
        "sub_train": d_pool[keep],
        "X_test": X_test,
        "y_test": d_test % 2,
        "sub_test": d_test,
        "major": np.array(sorted(major)),
    }


def instance_weights(clf, y):
    """Per-instance effective sampling weight of a fitted classifier, summing to 1.

    Uniform without re-weighting, the class weight of the instance for a
    class-weighted loss (the criterion's ``class_weight``), the final sampling
    weights for a sampling strategy that keeps them (``weights_``).
    """
    strategy = clf.sampling_strategy_
    if strategy is not None and getattr(strategy, "weights_", None) is not None:
        w = strategy.weights_.detach().cpu().numpy().astype(np.float64)
    else:
        class_weight = getattr(clf.criterion_, "class_weight", None)
        if class_weight is not None:
            w = class_weight.detach().cpu().numpy().astype(np.float64)[y]
        else:
            w = np.ones(len(y))
    return w / w.sum()


def weight_ratio(weights, groups):
    """Ratio of the largest to the smallest summed weight over the groups."""
    totals = np.bincount(groups, weights=weights)
    totals = totals[np.isin(np.arange(len(totals)), groups)]
    return float(totals.max() / totals.min())


def make_classifier(strategy, seed, epochs, c=None):
    """The MLP used for every strategy (only ``strategy`` differs)."""
    params = {} if c is None or strategy != "instance_difficulty" else {"c": c}
    return make_net(strategy, params, hidden_units=(64,), epochs=epochs, batch_size=32,
                    lr=0.003, random_state=seed, device="cpu")


def run_one(strategy, seed, epochs=60, c=None, data=None, profile="per-class"):
    """Train one strategy on one seed's data; return a dict of the metrics."""
    data = make_subclass_digits(seed, profile=profile) if data is None else data
    clf = make_classifier(strategy, seed, epochs, c).fit(data["X_train"], data["y_train"])
    pred = clf.predict(data["X_test"])
    correct = pred == data["y_test"]
    is_major = np.isin(data["sub_test"], data["major"])
    y_train = data["y_train"]
    w = instance_weights(clf, y_train)
    y_test = data["y_test"]
    groups = {f"acc_{name}_{size}": correct[(y_test == parity) & (is_major == major)].mean()
              for parity, name in ((0, "even"), (1, "odd"))
              for major, size in ((True, "major"), (False, "minor"))}
    return {
        "strategy": strategy,
        "seed": seed,
        "acc_overall": correct.mean(),
        "acc_class_even": correct[data["y_test"] == 0].mean(),
        "acc_class_odd": correct[data["y_test"] == 1].mean(),
        "acc_major_sub": correct[is_major].mean(),
        "acc_minor_sub": correct[~is_major].mean(),
        **groups,
        "class_ratio": weight_ratio(w, data["y_train"]),
        "subclass_ratio": weight_ratio(w, data["sub_train"]),
        "within_class_ratio": np.mean(
            [weight_ratio(w[m], data["sub_train"][m]) for m in (y_train == 0, y_train == 1)]
        ),
        "n_train": len(data["y_train"]),
    }


def available_strategies(names):
    """The names among ``names`` that are registered; print a note for the others."""
    found = []
    for name in names:
        try:
            get_strategy_class(name)
        except ValueError:
            print(f"skipping strategy {name!r}: not registered in this version", file=sys.stderr)
        else:
            found.append(name)
    return found


def run(strategies=STRATEGIES, seeds=range(5), epochs=60, c=None, verbose=True,
        profile="per-class"):
    """Every strategy on every seed (same data for all strategies of a seed)."""
    strategies = available_strategies(strategies)
    rows = []
    for seed in seeds:
        data = make_subclass_digits(seed, profile=profile)
        for strategy in strategies:
            start = time.perf_counter()
            rows.append(run_one(strategy, seed, epochs, c, data))
            rows[-1]["fit_seconds"] = time.perf_counter() - start
            if verbose:
                print(
                    f"seed {seed} {strategy:>20}: acc {rows[-1]['acc_overall']:.3f} "
                    f"minor-sub {rows[-1]['acc_minor_sub']:.3f} "
                    f"sub-class ratio {rows[-1]['subclass_ratio']:.1f}",
                    file=sys.stderr,
                )
    return pd.DataFrame(rows)


def summarize(results):
    """Mean ± std over seeds per strategy, as a DataFrame of strings."""
    order = [s for s in STRATEGIES if s in set(results["strategy"])]
    order += sorted(set(results["strategy"]) - set(order))
    grouped = results.groupby("strategy")[list(METRICS)]
    mean, std = grouped.mean().loc[order], grouped.std(ddof=1).fillna(0.0).loc[order]
    table = pd.DataFrame(index=order)
    for m in METRICS:
        scale, fmt = (100, "{:.1f} ± {:.1f}") if m.startswith("acc") else (1, "{:.2f} ± {:.2f}")
        table[m] = [fmt.format(scale * a, scale * b) for a, b in zip(mean[m], std[m])]
    table.index.name = "strategy"
    return table


def paper_comparison(results, paper=None):
    """Our runs as :func:`_paper_tables.section` takes them, and the paper's table.

    Returns ``(paper, ours)``: Table 3 with the methods renamed Base / CB /
    Ours, and one row per method and seed of ours, accuracies in %.
    """
    paper = _paper_tables.read_table(paper or PAPER_TABLE, "method", list(PAPER_COLUMNS))
    paper = paper.rename(index=PAPER_SHORT)
    ours = results[results["strategy"].isin(PAPER_METHODS.values())]
    names = {v: PAPER_SHORT[k] for k, v in PAPER_METHODS.items()}
    out = pd.DataFrame({"method": ours["strategy"].map(names), "seed": ours["seed"]})
    for column, metric in PAPER_COLUMNS.items():
        scale = 1 if column in PAPER_RATIOS else 100
        out[column] = scale * ours[metric].to_numpy()
    return paper, out


def paper_section(results, paper=None):
    """The Markdown lines of Table 3 next to ours (the pattern figures)."""
    paper, ours = paper_comparison(results, paper)
    present = [m for m in paper.index if m in set(ours["method"])]
    pairs = [p for p in PAPER_PAIRS if set(p) <= set(present)]
    lines = [
        "## Yu et al. (CVPR 2022) Table 3 next to ours",
        "",
        "The paper: long-tailed MNIST (imbalance ratio 100 over the digits), an MLP; here: "
        "the 8x8 `load_digits`, so compare patterns. Accuracies in %; the ratios are "
        "largest over smallest summed sampling weight (lower = more balanced).",
        "",
    ]
    if not pairs:
        return lines + ["No method of the paper's table was run.", ""]
    legend = {PAPER_SHORT[k]: v for k, v in PAPER_METHODS.items() if PAPER_SHORT[k] in present}
    return lines + _paper_tables.section(paper.loc[present], ours, pairs, list(PAPER_COLUMNS),
                                         PAPER_RATIOS, names=legend)


def to_markdown(table, command, n_seeds, results, profile="per-class"):
    design = ("one long-tailed profile over the digits (Yu et al.'s protocol: digit d keeps "
              "100 * 100^(-d/9) images, rounded; majority sub-classes 0, 2 and 1, 3)"
              if profile == "paper" else
              "long-tailed sub-classes (digits) inside each class, the odd class the minority")
    lines = [
        "# Sub-class imbalance simulation (analogue of Yu et al. 2022, Table 3)",
        "",
        f"Command: `{command}`",
        "",
        f"Even-vs-odd `load_digits`, {design}, "
        f"MLP (64 hidden units), mean ± std over {n_seeds} seeds; "
        f"{int(results['n_train'].mean())} training images per seed. "
        "Accuracies in % on a balanced test set; ratios are summed sampling weights of the "
        "largest over the smallest class / sub-class on the training set (higher = more "
        "imbalanced; without re-weighting they are the count ratios).",
        "",
        markdown_table(
            ["strategy", "overall", "class even", "class odd", "major sub-classes",
             "minor sub-classes", "even major", "even minor", "odd major", "odd minor",
             "class ratio", "sub-class ratio", "sub-class ratio within a class"],
            [[f"`{name}`", *row[list(METRICS)]] for name, row in table.iterrows()]),
    ]
    lines += [
        "",
        f"Total fit time {results['fit_seconds'].sum():.0f} s (CPU, 1 torch thread).",
        "",
        *paper_section(results),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--c", type=float, default=None, help="instance_difficulty's prior c")
    parser.add_argument("--profile", choices=PROFILES, default="per-class",
                        help="long-tailed sub-classes per class, or the paper's one profile "
                             "over the digits 0..9 [per-class]")
    parser.add_argument(
        "--out-dir", type=Path, default=Path(__file__).resolve().parent / "results"
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    with torch_threads(1):
        results = run(args.strategies, args.seeds, args.epochs, args.c, profile=args.profile)
    table = summarize(results)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out_dir / "subclass_simulation.csv", index=False)
    markdown = to_markdown(table, command_line("subclass_simulation.py", argv),
                           len(args.seeds), results, args.profile)
    (args.out_dir / "subclass_simulation.md").write_text(markdown)
    print(markdown)
    return results


if __name__ == "__main__":
    main()
