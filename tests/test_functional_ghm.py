"""GHM-CWAP formulas and AURA (Algorithm 1) against numbers worked out by hand."""

import math

import pytest
import torch

from skrebalance.functional import (
    aura_edges,
    aura_widths,
    ghm_cwap_loss,
    ghm_cwap_margins,
    ghm_cell_bounds,
    ghm_cell_index,
    ghm_cwap_weight_table,
    ghm_effective_sizes,
    ghm_histogram,
    ghm_normalize_weights,
    ghm_rebin,
    ghm_region_index,
    ghm_region_values,
    ghm_uniform_edges,
    gradient_norm,
)
from skrebalance.functional._validation import InvalidParameterError
from skrebalance.losses import GHMCWAPLoss


def logits_for(g, target, n_classes=2):
    """Two-class logits whose gradient norms 1 - p_y are exactly ``g``."""
    g, target = torch.tensor(g), torch.tensor(target)
    logits = torch.zeros(len(g), n_classes)
    logits[torch.arange(len(g)), target] = torch.log((1 - g) / g)
    return logits, target


# ---------------------------------------------------------------------------
# A small batch with known gradient norms g = 1 - p_y (two classes, N = 4
# equal regions [0, .25), [.25, .5), [.5, .75), [.75, 1]):
#   class 0: g = 0.1, 0.1, 0.1, 0.1 (region 0) and 0.3 (region 1)
#   class 1: g = 0.9 (region 3)
G = [0.1, 0.1, 0.1, 0.1, 0.3, 0.9]
TARGET = [0, 0, 0, 0, 0, 1]
# Hand computation (equal widths: values = counts; alpha = 0.5, gamma = 0.8):
#   v_0 = [4, 1, 0, 0], v_1 = [0, 0, 0, 1]
#   S_0 = 4^.5 + 1^.5 = 3, S_1 = 1^.5 = 1
#   W_00 = 3 / 2 = 1.5, W_01 = 3 / 1 = 3, W_13 = 1 / 1 = 1
#   raw batch weights [1.5, 1.5, 1.5, 1.5, 3, 1], sum 10, n = 6 -> times 0.6:
#   [0.9, 0.9, 0.9, 0.9, 1.8, 0.6]
#   M_01 = 0.8 log(min(1, 1/3)) = -0.8 log 3 = -0.8788898, M_10 = 0.8 log(min(1, 3)) = 0
#   class-0 example: l = log(1 + e^{z_1 - z_0 + M_01}) = log(1 + g/(1-g) * 3^-0.8)
#     g = 0.1: log(1 + (1/9) 0.4152436) = 0.0451055
#     g = 0.3: log(1 + (3/7) 0.4152436) = 0.1637855
#   class-1 example (no margin): l = -log(0.1) = 2.3025851
#   mean: (4 * 0.9 * 0.0451055 + 1.8 * 0.1637855 + 0.6 * 2.3025851) / 6 = 0.3064574
HAND_COUNTS = [[4.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
HAND_WEIGHTS = [0.9, 0.9, 0.9, 0.9, 1.8, 0.6]
HAND_M01 = -0.8 * math.log(3)
HAND_LOSS = 0.3064574


def test_gradient_norm_regions_and_histogram_by_hand():
    logits, target = logits_for(G, TARGET)
    g = gradient_norm(logits, target)
    torch.testing.assert_close(g, torch.tensor(G), atol=1e-6, rtol=0)
    region = ghm_region_index(g, ghm_uniform_edges(4))
    assert region.tolist() == [0, 0, 0, 0, 1, 3]
    counts = ghm_histogram(region, target, n_classes=2, n_regions=4)
    assert counts.tolist() == HAND_COUNTS
    # per-category edges that are all equal give the same regions
    per_class = ghm_region_index(g, ghm_uniform_edges(4, n_classes=2), target)
    assert per_class.tolist() == region.tolist()


def test_region_edges_are_half_open():
    g = torch.tensor([0.0, 0.2499, 0.25, 0.75, 0.9999, 1.0])
    assert ghm_region_index(g, ghm_uniform_edges(4)).tolist() == [0, 0, 1, 3, 3, 3]
    target = torch.tensor([0, 1, 1, 0, 1, 0])
    edges = ghm_uniform_edges(4, n_classes=2)
    assert ghm_region_index(g, edges, target).tolist() == [0, 0, 1, 3, 3, 3]


def test_per_category_region_index_by_hand():
    # class 0: edges [0, .5, 1]; class 1: [0, .1, .2, 1] is not N = 2, so
    # N = 3: class 0 [0, .4, .5, 1], class 1 [0, .1, .2, 1]
    edges = torch.tensor([[0.0, 0.4, 0.5, 1.0], [0.0, 0.1, 0.2, 1.0]])
    g = torch.tensor([0.3, 0.3, 0.45, 0.15, 0.05, 1.0, 1.0, 0.4, 0.1])
    target = torch.tensor([0, 1, 0, 1, 1, 0, 1, 0, 1])
    # 0.3 in class 0: [0, .4) -> 0; in class 1: [.2, 1] -> 2; 0.45 (c0): [.4, .5) -> 1;
    # 0.15 (c1): [.1, .2) -> 1; 0.05 (c1) -> 0; 1.0 -> last; 0.4 (c0) -> 1; 0.1 (c1) -> 1
    expected = [0, 2, 1, 1, 0, 2, 2, 1, 1]
    assert ghm_region_index(g, edges, target).tolist() == expected
    with pytest.raises(ValueError, match="target"):
        ghm_region_index(g, edges)


def test_cell_index_from_the_cross_entropy_matches_the_gradient_norm_regions():
    # per-category edges of unequal widths (as after AURA), logits of every
    # scale up to saturation (p_y rounds to 1 or to 0, the capped cross-entropy)
    torch.manual_seed(0)
    n_classes, n_regions = 7, 30
    widths = aura_widths(torch.rand(n_classes, n_regions) * 200)
    edges = aura_edges(widths)
    scale = torch.tensor([0.1, 1.0, 10.0, 100.0]).repeat(1000)[:, None]
    logits = torch.randn(4000, n_classes) * scale
    target = torch.randint(0, n_classes, (4000,))
    expected = ghm_region_index(gradient_norm(logits, target), edges, target) + n_regions * target
    cells = ghm_cell_index(logits, target, ghm_cell_bounds(edges))
    assert torch.equal(cells, expected)
    assert (cells // n_regions == target).all()  # every example in its own category


def test_non_finite_losses_stay_in_their_category_s_last_region():
    # a diverging fit: NaN or infinite logits must never give a cell past the
    # last one (a CPU IndexError, a device-side assert on CUDA in put_)
    nan, inf = float("nan"), float("inf")
    edges = ghm_uniform_edges(4, n_classes=3)
    logits = torch.tensor([[nan, 0.0, 0.0],     # NaN loss
                           [0.0, inf, 0.0],     # inf - inf: NaN loss
                           [inf, 0.0, 0.0],     # p_y = 0: infinite loss
                           [-inf, 0.0, 0.0],    # infinite loss
                           [1e30, -1e30, 0.0],  # finite, past the cap
                           [0.0, 0.0, 0.0]])    # g = 2/3: region 2 of 4
    target = torch.tensor([0, 1, 2, 0, 1, 2])
    cells = ghm_cell_index(logits, target, ghm_cell_bounds(edges))
    assert cells.tolist() == [3, 7, 11, 3, 7, 10]  # y * N + (N - 1), then 2 * 4 + 2
    g = torch.tensor([nan, inf, -inf])
    assert ghm_region_index(g, edges, target[:3]).tolist() == [3, 3, 0]
    assert ghm_region_index(g, ghm_uniform_edges(4)).tolist() == [3, 3, 0]
    for accumulate in ("batch", "epoch"):  # the module counts them without an error
        loss = GHMCWAPLoss(n_classes=3, n_regions=4, accumulate=accumulate)
        assert not torch.isfinite(loss(logits, target))
        loss.end_epoch()
        assert loss.counts.shape == (3, 4)


def test_effective_sizes_weights_margins_by_hand():
    counts = torch.tensor(HAND_COUNTS)
    torch.testing.assert_close(ghm_effective_sizes(counts, alpha=0.5), torch.tensor([3.0, 1.0]))
    table = ghm_cwap_weight_table(counts, alpha=0.5)
    # empty cells count one example: W_02 = 3 / 1, W_10 = 1 / 1
    torch.testing.assert_close(
        table, torch.tensor([[1.5, 3.0, 3.0, 3.0], [1.0, 1.0, 1.0, 1.0]]))
    raw = table[torch.tensor(TARGET), torch.tensor([0, 0, 0, 0, 1, 3])]
    torch.testing.assert_close(ghm_normalize_weights(raw), torch.tensor(HAND_WEIGHTS))
    margins = ghm_cwap_margins(torch.tensor([3.0, 1.0]), gamma=0.8)
    torch.testing.assert_close(margins, torch.tensor([[0.0, HAND_M01], [0.0, 0.0]]))


def test_loss_by_hand():
    logits, target = logits_for(G, TARGET)
    margins = ghm_cwap_margins(torch.tensor([3.0, 1.0]), gamma=0.8)
    value = ghm_cwap_loss(logits, target, margins, torch.tensor(HAND_WEIGHTS))
    assert value.item() == pytest.approx(HAND_LOSS, abs=1e-6)


def test_gamma_zero_and_alpha_zero_edge_cases():
    counts = torch.tensor(HAND_COUNTS)
    assert torch.equal(ghm_cwap_margins(torch.tensor([3.0, 1.0, 0.5]), gamma=0.0),
                       torch.zeros(3, 3))
    # alpha = 0: S_c = number of non-empty regions (0^0 must not count): S = [2, 1]
    torch.testing.assert_close(ghm_effective_sizes(counts, alpha=0.0), torch.tensor([2.0, 1.0]))
    # W = S_c / v^0 = S_c: raw [2, 2, 2, 2, 2, 1], sum 11 -> times 6/11
    table = ghm_cwap_weight_table(counts, alpha=0.0)
    raw = table[torch.tensor(TARGET), torch.tensor([0, 0, 0, 0, 1, 3])]
    expected = torch.tensor([2.0, 2, 2, 2, 2, 1]) * 6 / 11
    torch.testing.assert_close(ghm_normalize_weights(raw), expected)
    # alpha = 1: S_c = class sizes, W = n_c / v
    torch.testing.assert_close(ghm_effective_sizes(counts, alpha=1.0), torch.tensor([5.0, 1.0]))


def test_normalization_per_class_and_clamp():
    # class 0 raw [1, 3] -> mean 2 -> [0.5, 1.5]; class 1 alone -> 1
    w = ghm_normalize_weights(torch.tensor([1.0, 3.0, 5.0]), None, torch.tensor([0, 0, 1]), 3)
    torch.testing.assert_close(w, torch.tensor([0.5, 1.5, 1.0]))
    with pytest.raises(ValueError, match="n_groups"):
        ghm_normalize_weights(torch.ones(2), groups=torch.tensor([0, 1]))
    # 9 x 1 and 991: sum 1000, n = 10 -> 0.01 and 9.91, the latter clamped at 3
    w = ghm_normalize_weights(torch.tensor([1.0] * 9 + [991.0]), max_weight=3.0)
    assert w.max().item() == 3.0 and w[0].item() == pytest.approx(0.01)
    unclamped = ghm_normalize_weights(torch.tensor([1.0] * 9 + [991.0]))
    assert unclamped[-1].item() == pytest.approx(9.91)


@pytest.mark.parametrize("counts", [
    torch.zeros(3, 5),                                   # nothing counted yet
    torch.tensor([[7.0, 0, 0, 0, 0], [0] * 5, [0, 0, 0, 0, 1]]),  # absent class, single example
    torch.tensor([[1e-30, 0, 0, 0, 0], [0] * 5, [0] * 5]),       # underflowing EMA
])
@pytest.mark.parametrize("alpha", [0.0, 0.9, 1.0])
def test_never_nan_or_inf(counts, alpha):
    sizes = ghm_effective_sizes(counts, alpha)
    assert (sizes > 0).all() and torch.isfinite(sizes).all()
    margins = ghm_cwap_margins(sizes, 0.8)
    table = ghm_cwap_weight_table(counts, alpha)
    assert torch.isfinite(margins).all() and (margins <= 0).all()
    assert torch.isfinite(table).all() and (table > 0).all()
    logits = torch.tensor([[300.0, -300.0, 0.0], [-300.0, 0.0, 300.0]], requires_grad=True)
    target = torch.tensor([1, 0])
    value = ghm_cwap_loss(logits, target, margins, ghm_normalize_weights(table[target, 0]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("call, name", [
    (lambda: ghm_effective_sizes(torch.ones(1, 2), alpha=1.5), "alpha"),
    (lambda: ghm_cwap_weight_table(torch.ones(1, 2), alpha=-0.1), "alpha"),
    (lambda: ghm_cwap_margins(torch.ones(2), gamma=-1.0), "gamma"),
    (lambda: ghm_normalize_weights(torch.ones(2), max_weight=0.0), "max_weight"),
    (lambda: ghm_uniform_edges(0), "n_regions"),
    (lambda: ghm_uniform_edges(2.5), "n_regions"),
    (lambda: ghm_cwap_loss(torch.zeros(1, 2), torch.tensor([0]), reduction="avg"),
     "reduction"),
])
def test_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=name):
        call()
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)


# ---------------------------------------------------------------------------
# Algorithm 1: region values, AURA widths, re-binning

def test_region_values_are_densities_by_hand():
    # two regions of widths 0.25 and 0.75 (N = 2) holding 2 examples each:
    # each example adds 1 / (N d): 1 / 0.5 = 2 and 1 / 1.5 = 2/3 -> v = [4, 4/3]
    values = ghm_region_values(torch.tensor([[2.0, 2.0]]), torch.tensor([0.25, 0.75]))
    torch.testing.assert_close(values, torch.tensor([[4.0, 4.0 / 3.0]]))
    # equal widths 1/N: 1 / (N * 1/N) = 1 per example, the values are the counts
    counts = torch.tensor(HAND_COUNTS)
    torch.testing.assert_close(ghm_region_values(counts, torch.full((2, 4), 0.25)), counts)


def test_aura_widths_by_hand():
    # d_i proportional to 1 / log(e + v_i): v = [0, e^2 - e] -> 1/1, 1/2 -> [2/3, 1/3]
    widths = aura_widths(torch.tensor([0.0, math.e ** 2 - math.e]))
    torch.testing.assert_close(widths, torch.tensor([2 / 3, 1 / 3]))
    torch.testing.assert_close(aura_widths(torch.full((4,), 7.0)), torch.full((4,), 0.25))
    edges = aura_edges(widths)
    torch.testing.assert_close(edges, torch.tensor([0.0, 2 / 3, 1.0]))
    assert edges[-1].item() == 1.0
    # one row per category, each normalised on its own
    rows = aura_widths(torch.tensor([[0.0, math.e ** 2 - math.e], [5.0, 5.0]]))
    torch.testing.assert_close(rows, torch.tensor([[2 / 3, 1 / 3], [0.5, 0.5]]))
    torch.testing.assert_close(aura_edges(rows), torch.tensor([[0.0, 2 / 3, 1.0],
                                                               [0.0, 0.5, 1.0]]))


def test_rebin_keeps_totals_and_uniform_densities():
    counts = torch.tensor([[4.0, 0.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0]])
    new = torch.tensor([0.0, 0.125, 0.5, 0.9, 1.0])
    moved = ghm_rebin(counts, ghm_uniform_edges(4), new)
    torch.testing.assert_close(moved.sum(1), counts.sum(1))
    # class 0: [0, .125) half of region 0 -> 2; [.125, .5) -> 2 + 0; [.5, .9) -> 2 + 0.6*2
    torch.testing.assert_close(moved[0], torch.tensor([2.0, 2.0, 3.2, 0.8]))
    # class 1 has a uniform density (1 per width 1/4 = density 4): unchanged by re-binning
    widths = torch.diff(new)
    torch.testing.assert_close(ghm_region_values(moved[1:], widths), torch.full((1, 4), 1.0))
    # per-category edges: each row with its own
    per_class = torch.stack([new, ghm_uniform_edges(4)])
    again = ghm_rebin(counts, ghm_uniform_edges(4, n_classes=2), per_class)
    torch.testing.assert_close(again, torch.stack([moved[0], counts[1]]))


# One epoch of Algorithm 1 by hand (N = 2, alpha = 0.5, gamma = 0.8), two classes:
#   epoch 1, equal widths 1/2 (each example adds 1 / (2 * 1/2) = 1):
#     class 0: g = .1, .2, .3, .6 -> counts [3, 1], values v_0 = [3, 1]
#     class 1: g = .7, .9         -> counts [0, 2], values v_1 = [0, 2]
#   AURA, d ~ 1 / log(e + v), per class:
#     class 0: 1/log(e + 3) = 1/1.7436684 = 0.5735035, 1/log(e + 1) = 1/1.3132617 = 0.7614629,
#              sum 1.3349664 -> d_0 = [0.4296015, 0.5703985], inner edge a = 0.4296015
#     class 1: 1/log(e) = 1, 1/log(e + 2) = 1/1.5514447 = 0.6445605, sum 1.6445605
#              -> d_1 = [0.6080652, 0.3919348], inner edge b = 0.6080652
#   the epoch's counts on the new regions (uniform density inside an old region):
#     class 0: [0, a) holds 3 * a / 0.5 = 2.5776089, [a, 1] holds 4 - 2.5776089 = 1.4223911
#     class 1: [0, b) holds 2 * (b - 0.5) / 0.5 = 0.4322608, [b, 1] holds 1.5677392
#   values v = n / (N d):
#     class 0: 2.5776089 / (2 a) = 3 (the density of old region 0, kept),
#              1.4223911 / (2 * 0.5703985) = 1.2468398
#     class 1: 0.4322608 / (2 b) = 0.3554395, 1.5677392 / (2 * 0.3919348) = 2
#   S_0 = sqrt(3) + sqrt(1.2468398) = 1.7320508 + 1.1166198 = 2.8486706
#   S_1 = sqrt(0.3554395) + sqrt(2) = 0.5961875 + 1.4142136 = 2.0104010
#   W_{0,0} = 2.8486706 / sqrt(3) = 1.6446807, W_{0,1} = 2.8486706 / 1.1166198 = 2.5511554
#   W_{1,0}: v = 0.3554395 is below one example's value 1 / (2 b) = 0.8222803, which
#            is used instead: 2.0104010 / sqrt(0.8222803) = 2.0104010 / 0.9067967 = 2.2170361
#   W_{1,1} = 2.0104010 / sqrt(2) = 1.4215682
#   M_01 = 0.8 log(S_1 / S_0) = 0.8 log(0.7057365) = -0.2788146, M_10 = 0
# The weights are normalised once per histogram: mean 1 over its examples
# (the counts n_{c,i} above), overall or per class, e.g. overall:
#   sum n W = 2.5776089 * 1.6446807 + 1.4223911 * 2.5511554
#           + 0.4322608 * 2.2170361 + 1.5677392 * 1.4215682
#           = 4.2393437 + 3.6287407 + 0.9583377 + 2.2286482 = 11.0550704
#   over 6 examples: factor 6 / 11.0550704 = 0.5427374
#   per class: class 0 4 / (4.2393437 + 3.6287407) = 4 / 7.8680844 = 0.5083830,
#              class 1 2 / (0.9583377 + 2.2286482) = 2 / 3.1869860 = 0.6275522
#   (W_{1,1} = 2.0104010 / sqrt(2) = 1.4215682)
# Epoch 2, a batch g = .1 (class 0, region 0), .45 (class 0: region 1, since .45 >= a;
# it was region 0 with equal widths), .55 (class 1: region 0, since .55 < b):
#   raw [1.6446807, 2.5511554, 2.2170361]
#   overall:   w = raw * 0.5427374 = [0.8926297, 1.3846074, 1.2032684]
#   per class: w = [1.6446807 * 0.5083830, 2.5511554 * 0.5083830, 2.2170361 * 0.6275522]
#                = [0.8361277, 1.2969639, 1.3913059]
#   l_1 = log(1 + (1/9) e^M_01) = log(1 + 0.1111111 * 0.7566802) = 0.0807276
#   l_2 = log(1 + (.45/.55) e^M_01) = log(1 + 0.8181818 * 0.7566802) = 0.4818717
#   l_3 = -log(.45) = 0.7985077
#   loss (overall) = (0.8926297 l_1 + 1.3846074 l_2 + 1.2032684 l_3) / 3 = 0.5666940
#   loss (per class) = (0.8361277 l_1 + 1.2969639 l_2 + 1.3913059 l_3) / 3 = 0.6011457
EPOCH1 = ([0.1, 0.2, 0.3, 0.6, 0.7, 0.9], [0, 0, 0, 0, 1, 1])
EPOCH2 = ([0.1, 0.45, 0.55], [0, 0, 1])


def test_algorithm1_epoch_by_hand():
    loss = GHMCWAPLoss(n_classes=2, n_regions=2, alpha=0.5, gamma=0.8, normalize="all",
                       max_weight=None)
    loss(*logits_for(*EPOCH1))
    assert loss.epoch_counts.tolist() == [[3.0, 1.0], [0.0, 2.0]]
    assert loss.end_epoch() is True
    torch.testing.assert_close(loss.widths, torch.tensor([[0.4296015, 0.5703985],
                                                          [0.6080652, 0.3919348]]))
    torch.testing.assert_close(loss.histograms(), torch.tensor([[2.5776089, 1.4223911],
                                                                [0.4322608, 1.5677392]]))
    torch.testing.assert_close(loss.region_values(), torch.tensor([[3.0, 1.2468398],
                                                                   [0.3554395, 2.0]]))
    torch.testing.assert_close(loss.effective_sizes(), torch.tensor([2.8486706, 2.0104010]))
    torch.testing.assert_close(loss.margins(), torch.tensor([[0.0, -0.2788146], [0.0, 0.0]]))
    assert loss.epoch_counts.sum().item() == 0.0  # the next epoch counts afresh
    loss.eval()
    logits, target = logits_for(*EPOCH2)
    assert loss(logits, target).item() == pytest.approx(0.5666940, abs=1e-6)
    # the same state with per-example losses: weight = loss / margin-shifted CE
    loss.reduction = "none"
    ce = ghm_cwap_loss(logits, target, loss.margins(), reduction="none")
    weights = loss(logits, target) / ce
    torch.testing.assert_close(weights, torch.tensor([0.8926297, 1.3846074, 1.2032684]))
    # per class (the default), from the same state
    per_class = GHMCWAPLoss(n_classes=2, n_regions=2, alpha=0.5, gamma=0.8, max_weight=None)
    per_class.load_state_dict(loss.state_dict())
    per_class.eval()
    assert per_class(logits, target).item() == pytest.approx(0.6011457, abs=1e-6)
    per_class.reduction = "none"
    torch.testing.assert_close(per_class(logits, target) / ce,
                               torch.tensor([0.8361277, 1.2969639, 1.3913059]))


# ---------------------------------------------------------------------------
# Issue 14's check: gradient norms skewed as Beta(0.3, 3) (most examples easy),
# one class, N = 30, alpha = 0.9; the weight of the hard examples (g > 0.5)
# after one AURA update, against equal widths (URA). Measured when the issue was
# filed: URA 14.1, AURA on raw counts 7.2, AURA on densities 14.2.

def _hard_weight(g, edges, use_density):
    target = torch.zeros_like(g, dtype=torch.long)
    n_regions = edges.shape[-1] - 1
    region = ghm_region_index(g, edges)
    counts = ghm_histogram(region, target, 1, n_regions)
    widths = torch.diff(edges)
    values = ghm_region_values(counts, widths) if use_density else counts
    one = ghm_region_values(torch.ones_like(counts), widths) if use_density else 1.0
    table = ghm_cwap_weight_table(values, 0.9, one)
    weights = ghm_normalize_weights(table[0, region])
    return weights[g > 0.5].mean().item(), values


def test_beta_check_density_aura_keeps_the_weight_of_hard_examples():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        drawn = torch.distributions.Beta(torch.tensor(0.3), torch.tensor(3.0)).sample((10000,))
    # two-class logits with these norms (class 1 has no example); the norms
    # as the loss recovers them from the logits
    logits = torch.stack([torch.log((1 - drawn) / drawn), torch.zeros_like(drawn)], 1)
    target = torch.zeros_like(drawn, dtype=torch.long)
    g = gradient_norm(logits, target)
    hard_ura, values = _hard_weight(g, ghm_uniform_edges(30), use_density=True)
    edges = aura_edges(aura_widths(values[0]))  # one AURA update from the URA epoch
    hard_density, _ = _hard_weight(g, edges, use_density=True)
    hard_counts, _ = _hard_weight(g, edges, use_density=False)
    assert hard_ura > 10  # rare hard examples weigh many times the mean
    # densities: about the URA weight (measured 14.1 vs 14.0); raw counts in
    # unequal regions: about half of it (measured 6.9)
    assert hard_density == pytest.approx(hard_ura, rel=0.1)
    assert hard_counts < 0.6 * hard_ura
    # the loss module uses the density form: one epoch, AURA, then the same norms
    loss = GHMCWAPLoss(n_classes=2, n_regions=30, alpha=0.9, gamma=0.0, max_weight=None,
                       reduction="none")
    loss(logits, target)
    loss.end_epoch()
    torch.testing.assert_close(loss.edges[0], edges)
    loss.eval()
    ce = ghm_cwap_loss(logits, target, reduction="none")
    # the epoch's counts moved onto the new regions: close to a re-count ...
    w = loss(logits, target) / ce
    assert w[g > 0.5].mean().item() == pytest.approx(hard_density, rel=0.03)
    # ... and a re-count on the new regions gives the density form exactly
    loss.set_counts(logits, target)
    w = loss(logits, target) / ce
    assert w[g > 0.5].mean().item() == pytest.approx(hard_density, rel=1e-4)
