"""Command line of the UCI/KEEL benchmark: options, their defaults per mode, what they select.

Modes: the full default run, ``--quick`` (3 small sets, a few folds: the
README's first job), ``--paper`` (Yu et al.'s Table 4 replication) and
``--protocol long-tailed`` (the seed papers' long-tailed protocol); unset
options take the defaults of the mode. :func:`dataset_groups` turns the
``--suite`` tokens into the data sets of each suite (ranks are computed per
suite), :func:`methods_for` the ``--methods`` names into methods.
"""

import argparse
import inspect

import uci.jobs
import uci.methods
from skrebalance import RebalancedNetClassifier
from skrebalance.datasets import available_suites, suite_names

DEFAULTS = dict(suite=["keel-binary-dev"], n_splits=5, n_repeats=2, epochs=50,
                hidden_units="64,64", lr=0.01, batch_size=128, methods=None, brf_trees=100,
                imbalance_ratio=None)
#: --paper: logistic regression as in Yu et al. (a linear module trained longer,
#: in smaller batches: within 1.5 points of sklearn's LogisticRegression on table4)
PAPER = dict(suite=["table4"], hidden_units="", epochs=100, batch_size=32)
QUICK = dict(DEFAULTS, suite=["ecoli1", "glass", "haberman"], n_splits=3, n_repeats=1,
             epochs=30, brf_trees=50,
             methods=["default", "<strategies>", "LR-balanced", "SMOTE+net", "RUS+net", "BRF",
                      "LightGBM-balanced"])
#: --protocol long-tailed: seeds (--n-repeats) and ratios of the training profile
LONG_TAILED = dict(suite=["long-tailed-dev"], n_repeats=3, imbalance_ratio=[10.0, 50.0, 100.0])
QUICK_LONG_TAILED = dict(suite=["digits", "vehicle"], n_repeats=1, imbalance_ratio=[50.0])
#: Settings that define the results; a rerun in the same --out must match them
#: (a key missing from an older folder's settings had the value given here).
PROTOCOL_KEYS = {"n_splits": None, "n_repeats": None, "seed": None, "epochs": None,
                 "hidden_units": None, "lr": None, "batch_size": None, "device": None,
                 "brf_trees": None, "tune": None, "inner_splits": None, "paper": None,
                 "protocol": "cv", "imbalance_ratio": None, "net_recipe": "fixed",
                 "label_noise": 0.0, "raw_inputs": False}


def build_parser(description):
    p = argparse.ArgumentParser(
        prog="benchmarks/uci.py", description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", nargs="+", metavar="NAME",
                   help=f"suites ({', '.join(available_suites())}) and/or data set names "
                        "[default: keel-binary-dev; table4 with --paper; long-tailed-dev "
                        "with --protocol long-tailed]")
    p.add_argument("--methods", nargs="+", metavar="NAME",
                   help="subset of methods (default, strategy names, LR, LR-balanced, "
                        "ROS+net, SMOTE+net, RUS+net, BRF, LightGBM-balanced, RealMLP), or "
                        "a strategy with parameters: label=name:param=value,... "
                        "(module__<param> sets the net's module) [default: all]")
    p.add_argument("--out", default="results-uci", help="output folder [results-uci]")
    p.add_argument("--quick", action="store_true",
                   help="3 small data sets, 3 folds x 1 repeat, 30 epochs, every strategy, "
                        "the default net and 6 baselines (about a minute on 2 cores)")
    p.add_argument("--protocol", choices=("cv", "long-tailed"), default="cv",
                   help="cv: repeated stratified k-fold on the data as it is; long-tailed: "
                        "training set cut to an exponential class profile, balanced test "
                        "set, many/medium/few-shot accuracy [cv]")
    p.add_argument("--imbalance-ratio", nargs="+", type=float, metavar="IR",
                   help="ratios of the long-tailed training profile [10 50 100; 50 with "
                        "--quick]")
    p.add_argument("--paper", action="store_true",
                   help="Yu et al. Table 4 replication: none, class_balanced and "
                        "instance_difficulty with a linear module (hidden units ())")
    p.add_argument("--paper-table", metavar="CSV",
                   help="Yu et al.'s Table 4 numbers (columns dataset,Base,CB,Ours) to "
                        "print next to ours [benchmarks/paper_tables/yu2022_table4.csv "
                        "with --paper]")
    p.add_argument("--n-splits", type=int, help="folds per repeat [5]")
    p.add_argument("--n-repeats", type=int,
                   help="repeats [2]; seeds of the long-tailed protocol [3]")
    p.add_argument("--seed", type=int, default=0, help="seed of folds and estimators [0]")
    p.add_argument("--epochs", type=int, help="epochs of every net [50; 100 with --paper]")
    p.add_argument("--hidden-units", help="MLP widths, comma separated; '' = linear [64,64]")
    p.add_argument("--lr", type=float,
                   help=f"base learning rate of the nets' {_optimizer()} (the classifier's "
                        "optimizer, warmed up then decayed along a cosine) [0.01]")
    p.add_argument("--batch-size", type=int, help="batch size [128; 32 with --paper]")
    p.add_argument("--device", default="cpu", help="torch device of the nets [cpu]")
    p.add_argument("--net-recipe", choices=("fixed", "package"), default="fixed",
                   help="fixed: every strategy net gets the run's width, epochs, lr and "
                        f"batch on standardised inputs ({_optimizer()} in both); package: "
                        "each strategy net is "
                        "RebalancedNetClassifier(strategy=...) with the package's own "
                        "training recipe on raw inputs, as users call it "
                        "(--epochs/--lr/--batch-size/--hidden-units then do not apply) [fixed]")
    p.add_argument("--brf-trees", type=int, help="trees of BalancedRandomForest [100]")
    p.add_argument("--tune", action="store_true",
                   help="nested CV: GridSearchCV over each method's own parameters")
    p.add_argument("--inner-splits", type=int, default=3, help="inner folds of --tune [3]")
    p.add_argument("--metric", default=None, choices=uci.jobs.METRICS,
                   help="metric of the pairwise tests, CD diagrams and bar chart "
                        "[balanced_accuracy; accuracy with --paper or --protocol long-tailed]")
    p.add_argument("--label-noise", type=float, default=0.0, metavar="P",
                   help="replace a fraction P of each training fold's labels by another "
                        "class drawn uniformly (seeded per fold, the same for every method); "
                        "the test labels stay clean [0]")
    p.add_argument("--raw-inputs", action="store_true",
                   help="the strategy nets get the numeric columns unscaled (with --paper: "
                        "no standardisation and no input layer; the package recipe's nets "
                        "always get raw columns)")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel jobs (joblib) [1]")
    p.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="joblib backend; dask without --scheduler starts a LocalCluster")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    p.add_argument("--report-only", action="store_true",
                   help="only rebuild summary and plots from the stored results")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def resolve_options(opts):
    """Fill unset options from the --quick / --paper / long-tailed / full defaults."""
    base = dict(QUICK if opts.quick else DEFAULTS)
    if opts.paper:
        if opts.protocol != "cv":
            raise SystemExit("--paper is Table 4's cross-validation: drop --protocol.")
        keep = ("suite", "epochs") if opts.quick else ()
        base.update({k: v for k, v in PAPER.items() if k not in keep})
    if opts.protocol == "long-tailed":
        base.update(QUICK_LONG_TAILED if opts.quick else LONG_TAILED)
    elif opts.imbalance_ratio:
        raise SystemExit("--imbalance-ratio needs --protocol long-tailed.")
    for key, value in base.items():
        if getattr(opts, key) is None:
            setattr(opts, key, value)
    long_tailed = opts.protocol == "long-tailed"
    opts.metric = opts.metric or ("accuracy" if opts.paper or long_tailed
                                  else "balanced_accuracy")
    opts.hidden_units = tuple(int(u) for u in str(opts.hidden_units).split(",") if u.strip())
    if opts.scheduler and opts.backend != "dask":
        raise SystemExit("--scheduler needs --backend dask.")
    for name in ("n_splits", "n_repeats", "epochs", "inner_splits"):
        if getattr(opts, name) < 1 or (name.endswith("splits") and getattr(opts, name) < 2):
            raise SystemExit(f"--{name.replace('_', '-')} is too small: {getattr(opts, name)}.")
    if not 0 <= opts.label_noise < 1:
        raise SystemExit(f"--label-noise must be in [0, 1): {opts.label_noise}.")
    if long_tailed and min(opts.imbalance_ratio) < 1:
        raise SystemExit(f"--imbalance-ratio must be >= 1: {opts.imbalance_ratio}.")
    return opts


def protocol(opts):
    """The settings stored with the results (see ``PROTOCOL_KEYS``)."""
    values = {k: getattr(opts, k) for k in PROTOCOL_KEYS}
    values["hidden_units"] = list(values["hidden_units"])
    return values


def dataset_groups(tokens):
    """``{suite: data set names}`` in the order given; loose names form one group.

    A data set named twice is kept in its first group only.
    """
    groups, seen = {}, set()
    for token in tokens:
        is_suite = token.lower() in available_suites()
        names = suite_names(token) if is_suite else suite_names([token])
        group = groups.setdefault(token if is_suite else "selected data sets", [])
        group += [n for n in names if n not in seen]
        seen.update(names)
    return {label: names for label, names in groups.items() if names}


def methods_for(opts):
    """The methods selected by ``--methods``, and notes on the ones left out.

    A method that cannot run here (a missing optional package) is left out with
    a note when it was not asked for by name, and refused when it was.
    """
    methods = uci.methods.all_methods(paper=opts.paper)
    wanted = opts.methods
    if wanted and "<strategies>" in wanted:
        strategies = [m.name for m in methods if m.family == "strategy"]
        at = wanted.index("<strategies>")
        wanted = wanted[:at] + strategies + wanted[at + 1:]
    chosen = uci.methods.select_methods(methods, wanted)
    reasons = {m.name: uci.methods.unavailable(m) for m in chosen}
    named = {n.lower() for n in opts.methods or ()}
    refused = [why for name, why in reasons.items() if why and name.lower() in named]
    if refused:
        raise ValueError("; ".join(refused) + ".")
    notes = [f"{why}: left out." for why in reasons.values() if why]
    return [m for m in chosen if not reasons[m.name]], notes


def _optimizer():
    # the benchmark's nets set no optimizer: the classifier's default trains them
    return inspect.signature(RebalancedNetClassifier).parameters["optimizer"].default.__name__


def protocol_text(opts, settings):
    """One paragraph: the protocol, the nets' settings, the tuning."""
    schedule = "warm-up then cosine decay"
    optimizer = f"{_optimizer()} lr {settings.lr} ({schedule})"
    if settings.paper:  # uci.methods.make_net pins the paper's optimisation
        inputs = "raw inputs" if settings.raw_inputs else "standardised inputs"
        optimizer = f"Adam lr {settings.lr} (constant), {inputs} (no input layer)"
    net = (f"MLP hidden units {settings.hidden_units or '() (linear)'}, {settings.epochs} "
           f"epochs, {optimizer}, batch {settings.batch_size}, {settings.device}")
    if settings.raw_inputs and not settings.paper:
        net += ", raw inputs (no standardisation)"
    if settings.package_recipe:
        lr = inspect.signature(RebalancedNetClassifier).parameters["lr"].default
        net = ("each strategy net with the package's own training recipe "
               f"(RebalancedNetClassifier(strategy=...): {_optimizer()} lr {lr} ({schedule}), "
               f"epochs and batch size from the data, raw inputs), {settings.device}")
    if opts.protocol == "long-tailed":
        ratios = ", ".join(f"{r:g}" for r in opts.imbalance_ratio)
        split = (f"long-tailed protocol: each class of the training pool cut to "
                 f"n_i = n_max (1/IR)^(i/(k-1)) (IR {ratios}; class order shuffled per "
                 f"seed), a test set with equal class sizes (a quarter of the smallest "
                 f"class), seeds: {opts.n_repeats} (base seed {opts.seed}); many/medium/few-"
                 "shot: the thirds of the classes by training count")
    else:
        split = (f"RepeatedStratifiedKFold {opts.n_splits} folds x {opts.n_repeats} "
                 f"repeats, seed {opts.seed}")
    if opts.label_noise:
        split += (f"; label noise: {opts.label_noise:g} of each training fold's labels "
                  "replaced by another class drawn uniformly (test labels clean)")
    return (f"Protocol: {split}; nets of the strategies and samplers: {net}; `default`: "
            f"RebalancedNetClassifier() as shipped; BalancedRandomForest "
            f"{settings.brf_trees} trees; tuning: "
            + (f"nested GridSearchCV, {opts.inner_splits} inner folds, balanced accuracy."
               if opts.tune else "none (default parameters)."))
