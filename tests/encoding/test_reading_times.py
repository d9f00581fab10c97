"""Psychometric predictive power: held-out ΔLL and ΔR² of OLS and mixed models on simulated reading times with a
known effect, spillover predictors, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from brainalign.encoding.reading_times import delta_log_likelihood, mixed_delta_log_likelihood, spillover


def simulate(n_groups=10, per_group=600, effect=3.0, noise=60.0, seed=0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per_group)
    length = rng.integers(1, 12, len(g)).astype(float)
    s = rng.gamma(2.0, 3.0, len(g))
    y = 300 + 5 * length + effect * s + rng.normal(0, noise, len(g))
    base = np.column_stack([length, spillover(length, g, [1])])
    keep = np.isfinite(base).all(1)
    return y[keep], base[keep], s[keep], g[keep], rng


def test_spillover_stays_within_groups():
    v = np.arange(6.0)
    g = np.array([1, 1, 1, 2, 2, 2])
    out = spillover(v, g, [1, 2])
    np.testing.assert_array_equal(out[:, 0], [np.nan, 0, 1, np.nan, 3, 4])
    np.testing.assert_array_equal(out[:, 1], [np.nan, np.nan, 0, np.nan, np.nan, 3])
    with pytest.raises(ValueError, match="lags"):
        spillover(v, g, [0])
    with pytest.raises(ValueError, match="same length"):
        spillover(v, g[:3])


def test_a_real_effect_gains_what_theory_says():
    y, base, s, g, _ = simulate()
    res = delta_log_likelihood(y, base, s, g, n_boot=400)
    # the effect explains 9 * var(s) of a noise variance of 3600: ΔLL = 0.5 log(1 + that ratio) per word
    want = 0.5 * math.log(1 + 9 * s.var() / 3600)
    assert res.delta_ll == pytest.approx(want, rel=0.25)
    assert res.delta_ll_ci[0] < res.delta_ll < res.delta_ll_ci[1] and res.delta_ll_ci[0] > 0
    assert res.delta_r2 > 0 and res.delta_r2_ci[0] > 0 and res.r2_full > res.r2_baseline
    assert res.coefficients["a0"] == pytest.approx(3.0, rel=0.1)
    assert res.n == len(y) and res.n_groups == 10 and len(res.group_delta_ll) == 10
    assert res.per_observation.shape == (len(y),) and res.method == "ols"
    assert res.in_sample_delta_ll == pytest.approx(res.delta_ll, rel=0.2)
    assert set(res.summary()) >= {"delta_ll", "delta_ll_ci", "delta_r2", "r2_baseline", "n"}


def test_noise_gains_nothing_out_of_sample():
    """In sample, any added predictor raises the likelihood; held out, noise gains nothing (on average it loses)."""
    y, base, _, g, rng = simulate(effect=0.0)
    held, insample = [], []
    for seed in range(8):
        noise = np.random.default_rng(seed).standard_normal((len(y), 3))
        res = delta_log_likelihood(y, base, noise, g, n_boot=200)
        held.append(res.delta_ll)
        insample.append(res.in_sample_delta_ll)
        assert abs(res.delta_ll) < 2e-3 and abs(res.delta_r2) < 3e-3
    assert np.mean(held) < 0 < min(insample)


def test_dataframe_and_array_inputs_agree():
    y, base, s, g, _ = simulate(n_groups=4, per_group=200)
    a = delta_log_likelihood(y, base, s, g, n_boot=100)
    b = delta_log_likelihood(y, pd.DataFrame(base, columns=["len", "len1"]), pd.DataFrame({"s": s}), g, n_boot=100)
    assert a.delta_ll == pytest.approx(b.delta_ll) and "s" in b.coefficients


@pytest.mark.parametrize("case, match", [("nan", "NaN"), ("groups", "2 groups"), ("rows", "rows")])
def test_bad_input(case, match):
    y, base, s, g, _ = simulate(n_groups=3, per_group=50)
    if case == "nan":
        s = s.copy()
        s[4] = np.nan
    elif case == "groups":
        g = np.zeros_like(g)
    else:
        s = s[:-1]
    with pytest.raises(ValueError, match=match):
        delta_log_likelihood(y, base, s, g)


def test_mixed_model_on_per_subject_reading_times():
    rng = np.random.default_rng(1)
    n_words, n_subj = 400, 12
    words = pd.DataFrame({"word": np.arange(n_words), "story": np.repeat(np.arange(4), n_words // 4),
                          "length": rng.integers(1, 12, n_words).astype(float), "s": rng.gamma(2.0, 3.0, n_words),
                          "noise": rng.standard_normal(n_words)})
    subj = pd.DataFrame({"subject": [f"S{k}" for k in range(n_subj)], "speed": rng.normal(0, 50, n_subj)})
    data = words.merge(subj, how="cross")
    data["rt"] = 300 + data["speed"] + 5 * data["length"] + 4 * data["s"] + rng.normal(0, 60, len(data))
    res = mixed_delta_log_likelihood(data, "rt", ["length"], ["s"], subject="subject", group="story", cluster="word",
                                     n_boot=200)
    assert res.method == "lmm" and res.n == len(data) and res.n_groups == 4
    assert res.delta_ll > 0 and res.delta_ll_ci[0] > 0
    assert res.coefficients["s"] == pytest.approx(4.0, rel=0.15)
    null = mixed_delta_log_likelihood(data, "rt", ["length"], ["noise"], subject="subject", group="story",
                                      cluster="word", n_boot=200)
    assert abs(null.delta_ll) < 2e-3 < res.delta_ll
    with pytest.raises(ValueError, match="columns"):
        mixed_delta_log_likelihood(data, "rt", ["length"], ["nope"], subject="subject", group="story")
