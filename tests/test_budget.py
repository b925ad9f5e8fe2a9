"""The automatic training budget (batch_size="auto", max_epochs="auto"), by hand."""

import pytest

from skrebalance._budget import auto_batch_size, auto_max_epochs, resolve_budget


@pytest.mark.parametrize(
    "n_rows, expected",
    [
        # n/16 = 18.75 -> 2**round(4.23) = 16 -> clipped up to 32
        (300, 32),
        # n/16 = 62.5 -> 2**round(5.97) = 64
        (1000, 64),
        # n/16 = 187.5 -> 2**round(7.55) = 256
        (3000, 256),
        # n/16 = 2500 -> 2**11 -> clipped down to 256
        (40000, 256),
        # 32 > n: capped at the number of rows
        (20, 20),
        (1, 1),
    ],
)
def test_auto_batch_size(n_rows, expected):
    assert auto_batch_size(n_rows) == expected


@pytest.mark.parametrize(
    "n_rows, batch_size, expected",
    [
        (300, 32, 100),      # ceil(300/32) = 10 steps/epoch, ceil(1000/10) = 100
        (1000, 64, 63),      # 16 steps/epoch, ceil(1000/16) = 63
        (20, 20, 300),       # 1 step/epoch -> 1000, clipped to 300
        (40000, 256, 20),    # 157 steps/epoch -> ceil(6.37) = 7, clipped up to 20
        (300, -1, 300),      # full batch: 1 step/epoch
        (600, 32, 53),       # 19 steps/epoch -> ceil(52.6) = 53
    ],
)
def test_auto_max_epochs(n_rows, batch_size, expected):
    assert auto_max_epochs(n_rows, batch_size) == expected


def test_resolve_budget_keeps_integers():
    assert resolve_budget(128, 7, 1000) == (128, 7)
    # 8 steps per epoch of 128 rows -> ceil(1000 / 8) = 125 epochs
    assert resolve_budget(128, "auto", 1000) == (128, 125)
    assert resolve_budget("auto", 3, 1000) == (64, 3)


def test_auto_batch_size_refuses_no_rows():
    with pytest.raises(ValueError, match="n_rows"):
        auto_batch_size(0)
