"""benchmarks/uci.py --label-noise (symmetric noise on the training labels) and --raw-inputs."""

import numpy as np
import pytest
import uci.jobs
import uci.options


def test_flip_labels_changes_the_asked_fraction_to_other_classes():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    noisy = uci.jobs.flip_labels(y, 0.2, seed=3)
    changed = noisy != y
    assert changed.sum() == 20  # round(0.2 * 100) rows, each to another class
    assert set(np.unique(noisy)) <= {0, 1, 2}
    np.testing.assert_array_equal(noisy[~changed], y[~changed])
    np.testing.assert_array_equal(uci.jobs.flip_labels(y, 0.2, seed=3), noisy)  # seeded
    assert (uci.jobs.flip_labels(y, 0.2, seed=4) != noisy).any()
    np.testing.assert_array_equal(uci.jobs.flip_labels(y, 0.0, seed=3), y)
    # binary: a flipped row takes the other class
    yb = np.array([0] * 8 + [1] * 2)
    nb = uci.jobs.flip_labels(yb, 0.5, seed=0)
    assert ((nb != yb) == (nb == 1 - yb)).all() and (nb != yb).sum() == 5


def test_label_noise_option_is_checked_and_stored_with_the_results():
    parser = uci.options.build_parser("x")
    opts = uci.options.resolve_options(parser.parse_args(["--label-noise", "0.2"]))
    assert uci.options.protocol(opts)["label_noise"] == 0.2
    assert uci.options.PROTOCOL_KEYS["label_noise"] == 0.0  # older folders had none
    with pytest.raises(SystemExit, match="label-noise"):
        uci.options.resolve_options(parser.parse_args(["--label-noise", "1.0"]))


def test_raw_inputs_option_leaves_the_columns_unscaled_for_the_strategy_nets():
    import uci.methods

    parser = uci.options.build_parser("x")
    opts = uci.options.resolve_options(parser.parse_args(["--paper", "--raw-inputs"]))
    assert uci.options.protocol(opts)["raw_inputs"] is True
    assert uci.options.PROTOCOL_KEYS["raw_inputs"] is False
    method = uci.methods.Method("none", "strategy", "none")
    for raw in (False, True):
        settings = uci.methods.NetSettings(paper=True, raw_inputs=raw, hidden_units=())
        prep = uci.methods.build_estimator(method, settings, 0).named_steps["prep"]
        scaler = dict((name, t) for name, t, _ in prep.transformers)["num"]
        assert (scaler == "passthrough") == raw
    assert "raw inputs" in uci.options.protocol_text(opts, uci.methods.NetSettings(
        paper=True, raw_inputs=True, hidden_units=()))
