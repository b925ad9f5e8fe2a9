"""The "instance_difficulty" strategy (Yu et al., CVPR 2022) and its formulas."""

import math
import pickle

import numpy as np
import pytest
import torch
from scipy.stats import chisquare
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback
from skorch.history import History

from skrebalance import RebalancedNetClassifier
from skrebalance.functional import instance_difficulty, psi_split
from skrebalance.functional._difficulty_prior import auto_difficulty_prior
from skrebalance.strategies import InstanceDifficulty, available

FAST = dict(max_epochs=3, random_state=0, device="cpu")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    # tiny nets: intra-op threads only cost time, more so on a busy machine
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _load_benchmark():
    import subclass  # benchmarks/subclass/, on sys.path through pytest's pythonpath

    return subclass


def _psi(p, q):
    # eq. 5: PSI(p, q) = sum_j (q_j - p_j) ln(q_j / p_j)
    return ((q - p) * (q.log() - p.log())).sum(dim=1)


# ----------------------------------------------------------------------
# functional: psi_split and instance_difficulty against hand-worked values


def test_psi_split_two_classes_by_hand():
    p_prev = torch.tensor([[0.5, 0.5], [0.5, 0.5]], dtype=torch.float64)
    p_curr = torch.tensor([[0.8, 0.2], [0.8, 0.2]], dtype=torch.float64)
    y = torch.tensor([0, 1])
    du, dl = psi_split(p_prev, p_curr, y)
    # label 0 rises 0.5 -> 0.8: max(0.3, 0) ln(1.6) = 0.3 * 0.470004 = 0.141001 (dl);
    # class 1 falls 0.5 -> 0.2: min(-0.3, 0) ln(0.4) = 0.3 * 0.916291 = 0.274887 (dl).
    # Label 1 (true class falls): min(-0.3, 0) ln(0.4) = 0.274887 goes to du, and
    # the other class rises: max(0.3, 0) ln(1.6) = 0.141001 goes to du too.
    np.testing.assert_allclose(du.numpy(), [0.0, 0.415888], atol=1e-6)
    np.testing.assert_allclose(dl.numpy(), [0.415888, 0.0], atol=1e-6)


def test_psi_split_three_classes_by_hand():
    p_prev = torch.tensor([[0.2, 0.5, 0.3]] * 3, dtype=torch.float64)
    p_curr = torch.tensor([[0.4, 0.4, 0.2]] * 3, dtype=torch.float64)
    y = torch.tensor([0, 1, 2])
    du, dl = psi_split(p_prev, p_curr, y)
    # dp = (0.2, -0.1, -0.1); ln ratios = (ln 2, ln 0.8, ln 2/3)
    # terms dp * ln ratio = (0.138629, 0.022314, 0.040547), PSI = 0.201490
    # y=0: label rises, both others fall             -> du 0,        dl 0.201490
    # y=1: label falls (0.022314), class 0 rises (0.138629) -> du 0.160944;
    #      class 2 falls                              -> dl 0.040547
    # y=2: label falls (0.040547), class 0 rises (0.138629) -> du 0.179176;
    #      class 1 falls                              -> dl 0.022314
    np.testing.assert_allclose(du.numpy(), [0.0, 0.160944, 0.179176], atol=1e-6)
    np.testing.assert_allclose(dl.numpy(), [0.201490, 0.040547, 0.022314], atol=1e-6)


def test_psi_split_sums_to_psi_and_is_non_negative():
    g = torch.Generator().manual_seed(0)
    p = torch.softmax(3 * torch.randn(500, 4, generator=g, dtype=torch.float64), dim=1)
    q = torch.softmax(3 * torch.randn(500, 4, generator=g, dtype=torch.float64), dim=1)
    y = torch.randint(0, 4, (500,), generator=g)
    du, dl = psi_split(p, q, y, eps=1e-12)
    assert (du >= 0).all() and (dl >= 0).all()
    torch.testing.assert_close(du + dl, _psi(p, q))
    # the same change with the roles of the steps swapped: PSI is symmetric
    du2, dl2 = psi_split(q, p, y, eps=1e-12)
    torch.testing.assert_close(du2 + dl2, du + dl)
    # no change, no variation
    du0, dl0 = psi_split(p, p, y)
    assert du0.abs().max() == 0 and dl0.abs().max() == 0


def test_psi_split_is_finite_for_saturated_probabilities():
    # exact zeros and ones, flipping: the logarithms see eps, not 0
    p_prev = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    p_curr = torch.tensor([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    du, dl = psi_split(p_prev, p_curr, torch.tensor([0, 1]))
    assert torch.isfinite(du).all() and torch.isfinite(dl).all()
    # row 0: label 1 -> 0 and class 1 0 -> 1 are both unlearning:
    # 2 * (1 - 1e-6) * ln(1 / 1e-6) = 27.631...
    assert du[0].item() == pytest.approx(2 * (1 - 1e-6) * math.log(1e6), rel=1e-5)
    assert dl[0].item() == 0 and du[1].item() == 0 and dl[1].item() == 0


def test_instance_difficulty_by_hand():
    # eq. 4: (c + sum du) / (c + sum dl)
    # (0.5 + 0.5) / (0.5 + 1.5) = 0.5; (0.5 + 1) / (0.5 + 0) = 3; no history -> 1
    d = instance_difficulty(torch.tensor([0.5, 1.0, 0.0]), torch.tensor([1.5, 0.0, 0.0]), c=0.5)
    np.testing.assert_allclose(d.numpy(), [0.5, 3.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("c", [0, -1.0, float("inf"), float("nan"), "1", True])
def test_instance_difficulty_rejects_bad_c(c):
    with pytest.raises(ValueError, match="c must be"):
        instance_difficulty(torch.zeros(2), torch.zeros(2), c=c)


def test_functional_bad_shapes():
    p = torch.full((3, 2), 0.5)
    with pytest.raises(ValueError, match="same shape"):
        psi_split(p, torch.full((3, 3), 1 / 3), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="y must have shape"):
        psi_split(p, p, torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="eps"):
        psi_split(p, p, torch.zeros(3, dtype=torch.long), eps=0)
    with pytest.raises(TypeError, match="torch tensors"):
        psi_split(p.numpy(), p, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="same shape"):
        instance_difficulty(torch.zeros(2), torch.zeros(3), c=1.0)


# ----------------------------------------------------------------------
# the paper's Fig. 4 simulation


def test_fig4_simulation_orders_easy_normal_hard():
    """Instances unlearned at each step with probability 10 %, 20 % and 40 %.

    The simulation (in the benchmark module, shared with the gallery example)
    moves the true-class logit down with the group's probability and up
    otherwise, and accumulates ``psi_split`` into ``instance_difficulty``.
    """
    d = _load_benchmark().simulate_unlearning((0.1, 0.2, 0.4), n=200, steps=60, c=0.1)
    assert d.shape == (61, 3, 200)
    np.testing.assert_array_equal(d[0], 1.0)  # before any update
    easy, normal, hard = d[-1].mean(axis=1)
    assert easy < normal < hard
    w = d[-1] / d[-1].sum()  # sampling weights, summed per group
    w_easy, w_normal, w_hard = w.sum(axis=1)
    assert w_easy < w_normal < w_hard
    assert w_hard > 1.5 * w_easy
    # instance by instance, most hard ones are harder than most easy ones
    assert np.median(d[-1, 2]) > np.quantile(d[-1, 0], 0.75)
    # and the order holds through training, not only at the end
    assert (d[10:, 0].mean(axis=1) < d[10:, 2].mean(axis=1)).all()


# ----------------------------------------------------------------------
# the strategy's hooks, on a scripted net


class ScriptedNet:
    """The attributes a strategy reads from the classifier during training."""

    def __init__(self, y, k, probas):
        self.train_y_ = torch.as_tensor(y)
        self.train_X_ = torch.zeros(len(y), 1)
        self.n_classes_ = k
        self.device_ = torch.device("cpu")
        self.history = History()
        self._probas = iter(probas)

    def infer_proba(self, X):
        return torch.tensor(next(self._probas), dtype=torch.float32)

    def epoch(self, strategy):
        self.history.new_epoch()
        # the weights the epoch's draws use: the sampler the strategy owns
        weights = strategy.get_sampler(self).weights.clone()
        strategy.on_epoch_end(self)
        return weights


def test_weights_move_toward_unlearned_instances():
    # Binary, label 0 for all three; p_y over two updates (p0 uniform = 0.5):
    #   A: 0.5 -> 0.8 -> 0.6 (learned, then unlearned)
    #   B: 0.5 -> 0.5 -> 0.5 (no change: D = c / c = 1)
    #   C: 0.5 -> 0.8 -> 0.9 (learned twice)
    # Step 1 for A and C: dl = 0.3 ln 1.6 + 0.3 ln 2.5 = 0.415888, du = 0.
    # Step 2 for A: du = 0.2 ln(0.8/0.6) + 0.2 ln(0.4/0.2) = 0.057536 + 0.138629
    #   = 0.196166, so D_A = (0.1 + 0.196166) / (0.1 + 0.415888) = 0.574089.
    # Step 2 for C: dl = 0.1 ln(0.9/0.8) + 0.1 ln(0.2/0.1) = 0.011778 + 0.069315,
    #   so D_C = 0.1 / (0.1 + 0.415888 + 0.081093) = 0.167510.
    probas = [
        [[0.8, 0.2], [0.5, 0.5], [0.8, 0.2]],
        [[0.6, 0.4], [0.5, 0.5], [0.9, 0.1]],
    ]
    net = ScriptedNet([0, 0, 0], 2, probas)
    strategy = InstanceDifficulty(c=0.1).initialize()
    strategy.on_train_begin(net)
    w0 = net.epoch(strategy)  # epoch 1 draws with w0, then update 1
    torch.testing.assert_close(w0, torch.full((3,), 1 / 3))  # equal before any update
    # after step 1: D = (0.1 / 0.515888, 1, 0.1 / 0.515888) = (0.193841, 1, 0.193841)
    np.testing.assert_allclose(
        strategy.difficulty_.numpy(), [0.1 / 0.515888, 1.0, 0.1 / 0.515888], rtol=1e-5
    )
    w1 = net.epoch(strategy).clone()  # epoch 2 draws with w1, then update 2
    d = strategy.difficulty_.numpy()
    np.testing.assert_allclose(d, [0.574089, 1.0, 0.167510], rtol=1e-5)
    w2 = strategy.get_sampler(net).weights
    torch.testing.assert_close(w2, strategy.weights_)
    np.testing.assert_allclose(w2.numpy(), d / d.sum(), rtol=1e-6)
    assert w2[0] > w1[0]  # A was unlearned: its weight grew
    assert w2[2] < w1[2]  # C was learned again: its weight shrank
    assert strategy.n_updates_ == 2
    history = net.history[-1]
    assert history["difficulty_max"] == pytest.approx(1.0)
    assert history["difficulty_min"] == pytest.approx(0.167510, rel=1e-5)
    assert history["sampling_ess"] == pytest.approx(1 / (w2**2).sum().item(), rel=1e-5)


def test_auto_prior_is_the_mean_variation_of_the_first_update():
    # the script of the test above: A and C learned 0.5 -> 0.8 (PSI 0.415888), B
    # unchanged, so c = 2/3 * 0.415888 = 0.277259 and c + 0.415888 = 0.693147 (ln 2):
    #   step 1: D_A = D_C = 0.277259 / 0.693147 = 0.4, D_B = 1
    #   step 2: D_A = (0.277259 + 0.196166) / 0.693147 = 0.683008,
    #           D_C = 0.277259 / (0.693147 + 0.081093) = 0.358105
    probas = [
        [[0.8, 0.2], [0.5, 0.5], [0.8, 0.2]],
        [[0.6, 0.4], [0.5, 0.5], [0.9, 0.1]],
    ]
    net = ScriptedNet([0, 0, 0], 2, probas)
    strategy = InstanceDifficulty().initialize()
    assert strategy.c == "auto" and strategy.c_ is None
    strategy.on_train_begin(net)
    net.epoch(strategy)
    assert strategy.c_ == pytest.approx(0.277259, rel=1e-5)
    np.testing.assert_allclose(strategy.difficulty_.numpy(), [0.4, 1.0, 0.4], rtol=1e-5)
    net.epoch(strategy)
    assert strategy.c_ == pytest.approx(0.277259, rel=1e-5)  # set once, at the first update
    np.testing.assert_allclose(strategy.difficulty_.numpy(), [0.683008, 1.0, 0.358105], rtol=1e-5)


def test_auto_prior_formula_floor_and_bad_input():
    assert auto_difficulty_prior(torch.tensor([0.5, 0.0]), torch.tensor([1.0, 2.5])) == 2.0
    assert auto_difficulty_prior(torch.zeros(4), torch.zeros(4)) == 1e-4  # nothing moved
    with pytest.raises(TypeError, match="tensors"):
        auto_difficulty_prior([0.1], [0.2])
    with pytest.raises(ValueError, match="shape"):
        auto_difficulty_prior(torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError, match=">= 0"):
        auto_difficulty_prior(torch.tensor([-0.1]), torch.tensor([0.2]))


def test_update_interval_and_saturated_scripts_stay_finite():
    # one-hot flips every update: the worst case for the logarithms
    flip = [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]] * 3
    net = ScriptedNet([0, 1], 2, flip)
    strategy = InstanceDifficulty(update_interval=2).initialize()
    strategy.on_train_begin(net)
    for _ in range(12):
        net.epoch(strategy)
    assert strategy.n_updates_ == 6 and strategy.n_epochs_ == 12
    for name in ("sum_du_", "sum_dl_", "difficulty_", "weights_"):
        assert torch.isfinite(getattr(strategy, name)).all(), name
    assert all(math.isfinite(v) for v in net.history[-1, ("difficulty_max", "sampling_ess")])


# ----------------------------------------------------------------------
# through the classifier


def test_works_by_name_and_by_object(three_class):
    X, y = three_class
    by_name = RebalancedNetClassifier(strategy="instance_difficulty", **FAST).fit(X, y)
    by_object = RebalancedNetClassifier(strategy=InstanceDifficulty(), **FAST).fit(X, y)
    assert "instance_difficulty" in available()
    for clf in (by_name, by_object):
        s = clf.strategy_
        assert isinstance(s, InstanceDifficulty) and s.n_updates_ == 3
        assert s.difficulty_.shape == (len(y),) and s.proba_.shape == (len(y), 3)
        assert torch.isfinite(s.difficulty_).all() and (s.difficulty_ > 0).all()
        assert s.weights_.sum().item() == pytest.approx(1.0, abs=1e-5)
        assert 1 <= clf.history[-1, "sampling_ess"] <= len(y)
    np.testing.assert_allclose(by_name.predict_proba(X), by_object.predict_proba(X))


def test_parameters_route_and_validate(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="instance_difficulty", **FAST)
    clf.set_params(strategy__c=0.5, strategy__update_interval=2).fit(X, y)
    assert clf.strategy_.c == 0.5 and clf.strategy_.n_updates_ == 1
    assert clf.strategy_.c_ == 0.5
    for bad, match in [
        ({"strategy__c": 0.0}, "'c'"),
        ({"strategy__c": "Auto"}, "'c'"),
        ({"strategy__c": -1}, "'c'"),
        ({"strategy__c": float("inf")}, "'c'"),
        ({"strategy__p0": "zeros"}, "'p0'"),
        ({"strategy__update_interval": 0}, "'update_interval'"),
    ]:
        with pytest.raises(ValueError, match=match):
            RebalancedNetClassifier(strategy="instance_difficulty", **FAST).set_params(
                **bad
            ).fit(X, y)


def test_p0_uniform_versus_initial(three_class):
    # with lr=0 the model never changes: from the initial prediction nothing moves
    # (D = 1 everywhere), from the uniform one the first update sees a change.
    X, y = three_class
    kwargs = dict(FAST, lr=0.0, optimizer=torch.optim.SGD)
    initial = RebalancedNetClassifier(
        strategy=InstanceDifficulty(p0="initial"), **kwargs
    ).fit(X, y)
    torch.testing.assert_close(initial.strategy_.difficulty_, torch.ones(len(y)))
    uniform = RebalancedNetClassifier(strategy=InstanceDifficulty(), **kwargs).fit(X, y)
    assert (uniform.strategy_.sum_du_ + uniform.strategy_.sum_dl_ > 0).all()
    assert uniform.strategy_.difficulty_.std() > 0


def test_combines_with_a_loss_strategy(imbalanced_binary):
    X, y = imbalanced_binary
    clf = RebalancedNetClassifier(strategy=["instance_difficulty", "focal"], **FAST)
    clf.set_params(strategy__focal__gamma=1.0, strategy__instance_difficulty__c=0.2).fit(X, y)
    assert clf.sampling_strategy_ is clf.strategies_[0]
    assert clf.loss_strategy_.gamma == 1.0 and clf.strategies_[0].c == 0.2
    assert clf.strategies_[0].n_updates_ == 3


def test_validation_split_scores_only_training_rows(three_class):
    from skorch.dataset import ValidSplit

    X, y = three_class
    clf = RebalancedNetClassifier(
        strategy="instance_difficulty", train_split=ValidSplit(5, stratified=True), **FAST
    ).fit(X, y)
    assert clf.strategy_.difficulty_.shape == (len(y) - len(y) // 5,)


def test_tiny_classes_and_saturation_stay_finite():
    # classes of 1 and 2 instances, a large learning rate, many epochs
    rng = np.random.RandomState(0)
    X = rng.normal(size=(33, 4)) * 20
    y = np.array([0] * 30 + [1] * 2 + [2])
    clf = RebalancedNetClassifier(
        strategy="instance_difficulty", max_epochs=30, lr=0.5, random_state=0, device="cpu"
    ).fit(X, y)
    s = clf.strategy_
    for name in ("sum_du_", "sum_dl_", "difficulty_", "weights_", "proba_"):
        assert torch.isfinite(getattr(s, name)).all(), name
    for row in clf.history:
        assert all(math.isfinite(row[k]) for k in ("difficulty_min", "difficulty_max"))


class RecordRows(Callback):
    """Record the row ids (feature 0) of every training batch, per epoch."""

    def initialize(self):
        self.rows_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.rows_.append([])

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.rows_[-1].append(batch[0][:, 0].long())


class Logistic(torch.nn.Module):
    """A linear model whose untrained predictions are spread (scaled init)."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_classes)
        with torch.no_grad():
            self.linear.weight.mul_(3.0)

    def forward(self, X):
        return self.linear(X)


def test_sampler_draws_proportionally_to_weights():
    # lr=0 freezes the model, so after the first update (uniform -> initial
    # prediction) the weights stay fixed; the epochs after it are draws from w.
    rng = np.random.RandomState(0)
    n, epochs = 40, 61
    X = np.column_stack([np.arange(n), 3 * rng.normal(size=(n, 3))])
    y = (rng.rand(n) < 0.3).astype(int)
    recorder = RecordRows()
    clf = RebalancedNetClassifier(
        Logistic,
        strategy=InstanceDifficulty(c=0.01),
        optimizer=torch.optim.SGD,
        lr=0.0,
        max_epochs=epochs,
        batch_size=n,
        callbacks=[recorder],
        random_state=0,
        device="cpu",
    ).fit(X, y)
    w = clf.strategy_.weights_.double().numpy()
    assert clf.strategy_.n_updates_ == epochs
    assert w.max() / w.min() > 3  # the test needs unequal weights to have power
    rows = torch.cat([torch.cat(epoch) for epoch in recorder.rows_[1:]]).numpy()
    counts = np.bincount(rows, minlength=n)
    assert counts.sum() == (epochs - 1) * n
    expected = counts.sum() * w / w.sum()
    assert chisquare(counts, expected).pvalue > 1e-3
    assert chisquare(counts, np.full(n, counts.sum() / n)).pvalue < 1e-6  # not uniform
    # the first epoch drew with equal weights
    assert len(torch.cat(recorder.rows_[0])) == n


def test_default_prior_gives_the_minority_more_than_its_frequency():
    # 2000 rows, 5.3 % minority: with the default prior the minority's share of the
    # sampling weights (logged every epoch) stays well above its frequency
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=5, weights=[0.95], flip_y=0.01,
        class_sep=1.0, random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    clf = RebalancedNetClassifier(
        strategy="instance_difficulty", module__hidden_units=(64, 64), max_epochs=10,
        random_state=0, device="cpu",
    ).fit(X, y)
    s = clf.strategy_
    assert s.c == "auto"
    # c_ is the mean PSI of the first update; the sums after it are its du + dl plus
    # those of the later updates, so c_ lies below their mean
    assert 0 < s.c_ < (s.sum_du_ + s.sum_dl_).mean().item()
    share = np.array(clf.history[:, "sampling_class_share"])
    assert share.shape == (10, 2)
    np.testing.assert_allclose(share.sum(axis=1), 1.0, rtol=1e-5)
    w = clf.strategy_.weights_
    assert share[-1, 1] == pytest.approx(w[torch.as_tensor(y) == 1].sum().item(), rel=1e-5)
    assert share[-5:, 1].mean() > 1.3 * y.mean()
    # and the logged ESS is (sum w)^2 / sum w^2, below N: the weights are not uniform
    ess = clf.history[-1, "sampling_ess"]
    assert ess == pytest.approx((w.sum() ** 2 / (w * w).sum()).item(), rel=1e-5)
    assert ess < 0.99 * len(y)


# ----------------------------------------------------------------------
# persistence and continued training


def test_pickle_keeps_the_difficulty_state(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="instance_difficulty", **FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    for name in ("difficulty_", "weights_", "sum_du_", "sum_dl_", "proba_"):
        torch.testing.assert_close(getattr(loaded.strategy_, name), getattr(clf.strategy_, name))
    assert loaded.strategy_.n_updates_ == 3
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_warm_start_and_partial_fit_continue_the_state(three_class, how):
    X, y = three_class
    clf = RebalancedNetClassifier(
        strategy="instance_difficulty", warm_start=how == "warm_start", **FAST
    )
    step = clf.fit if how == "warm_start" else clf.partial_fit
    step(X, y)
    s = clf.strategy_
    sums = s.sum_du_.clone(), s.sum_dl_.clone()
    step(X, y)
    assert clf.strategy_ is s and s.n_updates_ == 6 and s.n_epochs_ == 6
    # the sums only grow, and they grew from where they were
    assert (s.sum_du_ >= sums[0]).all() and (s.sum_dl_ >= sums[1]).all()
    assert (s.sum_du_ + s.sum_dl_ > sums[0] + sums[1]).any()
    # data of another size: the state is rebuilt
    step(X[:100], y[:100])
    assert s.difficulty_.shape == (100,) and s.n_updates_ == 3


def test_fresh_fit_resets_the_state(three_class):
    X, y = three_class
    clf = RebalancedNetClassifier(strategy="instance_difficulty", **FAST).fit(X, y)
    clf.fit(X, y)
    assert clf.strategy_.n_updates_ == 3


# ----------------------------------------------------------------------
# the Table 3 analogue (fast version of benchmarks/subclass_simulation.py)


def test_subclass_simulation_reduces_subclass_imbalance():
    bench = _load_benchmark()
    results = bench.run(["none", "instance_difficulty"], seeds=[0], epochs=12, verbose=False)
    by = results.set_index("strategy")
    # without re-weighting the ratios are the count ratios of the design
    data = bench.make_subclass_digits(0)
    counts = np.bincount(data["sub_train"])
    assert by.loc["none", "subclass_ratio"] == pytest.approx(counts.max() / counts.min())
    assert by.loc["none", "class_ratio"] == pytest.approx(
        np.bincount(data["y_train"]).max() / np.bincount(data["y_train"]).min()
    )
    assert by.loc["instance_difficulty", "subclass_ratio"] < 0.8 * by.loc["none", "subclass_ratio"]
    assert by.loc["instance_difficulty", "class_ratio"] < by.loc["none", "class_ratio"]
    table = bench.summarize(results)
    assert list(table.index) == ["none", "instance_difficulty"]
    assert "±" in bench.to_markdown(table, "cmd", 1, results)
