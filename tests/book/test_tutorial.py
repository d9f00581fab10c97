"""Tests of the tutorial helpers: the simulation has the ground truth it claims, and the checks accept right answers
and reject wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit

from brainalign.book import tutorial as T


def _cv_r(X: np.ndarray, Y: np.ndarray) -> float:
    scores = []
    for tr, te in ShuffleSplit(10, train_size=0.9, random_state=1).split(X):
        pred = LinearRegression().fit(X[tr], Y[tr]).predict(X[te])
        scores.append(np.median(T.pearson_r(pred, Y[te])))
    return float(np.mean(scores))


def test_simulation_shapes_and_determinism():
    sim = T.simulate_fmri(n_stimuli=60, n_features=4, n_voxels=7, n_subjects=6, n_layers=5, n_units=9,
                          peak_layer=2, seed=3)
    assert sim.features.shape == (60, 4)
    assert sim.weights.shape == (4, 7)
    assert sim.responses.shape == (6, 60, 7)
    assert sim.mean_response.shape == (60, 7)
    assert list(sim.layers) == [f"layer.{k}" for k in range(5)]
    assert all(a.shape == (60, 9) for a in sim.layers.values())
    assert sim.best_layer == "layer.2"
    again = T.simulate_fmri(n_stimuli=60, n_features=4, n_voxels=7, n_subjects=6, n_layers=5, n_units=9,
                            peak_layer=2, seed=3)
    np.testing.assert_array_equal(sim.responses, again.responses)
    other = T.simulate_fmri(n_stimuli=60, n_features=4, n_voxels=7, n_subjects=6, n_layers=5, n_units=9,
                            peak_layer=2, seed=4)
    assert not np.allclose(sim.responses, other.responses)


@pytest.mark.parametrize("kwargs", [dict(peak_layer=8, n_layers=8), dict(n_subjects=1), dict(n_voxels=0)])
def test_simulation_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        T.simulate_fmri(**kwargs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_encoding_recovers_the_ground_truth_best_layer(seed):
    sim = T.simulate_fmri(seed=seed)
    profile = {name: _cv_r(X, sim.mean_response) for name, X in sim.layers.items()}
    assert max(profile, key=profile.get) == sim.best_layer
    # the true latent features predict better than any layer, and a far layer is near chance
    assert _cv_r(sim.features, sim.mean_response) > max(profile.values())
    assert abs(profile["layer.0"]) < 0.15


def test_pearson_r_matches_scipy_1d_and_columnwise():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 40, 3))
    y = y + x
    cols = T.pearson_r(x, y)
    assert cols.shape == (3,)
    for j in range(3):
        assert cols[j] == pytest.approx(stats.pearsonr(x[:, j], y[:, j]).statistic)
    assert T.pearson_r(x[:, 0], y[:, 0]) == pytest.approx(stats.pearsonr(x[:, 0], y[:, 0]).statistic)
    with pytest.raises(ValueError):
        T.pearson_r(x[:, 0], y[:5, 0])


def test_spearman_brown():
    assert T.spearman_brown(0.5) == pytest.approx(2 / 3)
    assert T.spearman_brown(0.0) == 0.0
    assert T.spearman_brown(1.0) == pytest.approx(1.0)
    np.testing.assert_allclose(T.spearman_brown(np.array([0.2, 0.6])), [0.4 / 1.2, 1.2 / 1.6])


def test_split_half_ceiling_tracks_the_noise_level():
    quiet = T.simulate_fmri(noise_sd=0.5, seed=0)
    noisy = T.simulate_fmri(noise_sd=6.0, seed=0)
    c_quiet = T.split_half_consistency(quiet.responses, n_splits=5)
    c_noisy = T.split_half_consistency(noisy.responses, n_splits=5)
    assert c_quiet.shape == (5,)
    assert np.median(c_quiet) > 0.9
    assert np.median(c_noisy) < np.median(c_quiet) - 0.3
    # Spearman-Brown-corrected split-half reliability estimates the reliability of the full-sample mean:
    # var(signal) / (var(signal) + noise_sd**2 / n_subjects), here 1 / (1 + 9 / 10) for noise_sd=3
    mid = T.simulate_fmri(noise_sd=3.0, n_stimuli=400, seed=1)
    assert np.median(T.split_half_consistency(mid.responses)) == pytest.approx(1 / 1.9, abs=0.06)
    with pytest.raises(ValueError):
        T.split_half_consistency(np.zeros((1, 5)))


def test_check_pearson_r():
    assert T.check_pearson_r(lambda x, y: stats.pearsonr(x, y).statistic)
    with pytest.raises(AssertionError):
        T.check_pearson_r(lambda x, y: np.dot(x, y) / np.linalg.norm(x) / np.linalg.norm(y))  # not centred
    with pytest.raises(AssertionError):
        T.check_pearson_r(lambda x, y: np.cov(x, y)[0, 1])


def test_check_split():
    perm = np.random.default_rng(0).permutation(100)
    assert T.check_split(perm[:90], perm[90:], 100)
    with pytest.raises(AssertionError, match="leakage"):
        T.check_split(perm[:90], perm[85:], 100)
    with pytest.raises(AssertionError):
        T.check_split(perm[:50], perm[50:], 100)          # wrong proportion
    with pytest.raises(AssertionError):
        T.check_split(perm[:90], perm[91:], 100)          # one stimulus lost


def test_check_no_leakage():
    assert T.check_no_leakage(0.8, 0.02)
    with pytest.raises(AssertionError):
        T.check_no_leakage(0.8, 0.78)
    with pytest.raises(AssertionError):
        T.check_no_leakage(0.1, 0.05)


def test_check_spearman_brown_and_normalized():
    assert T.check_spearman_brown(lambda r: 2 * r / (1 + r))
    with pytest.raises(AssertionError):
        T.check_spearman_brown(lambda r: 2 * r)
    assert T.check_normalized(0.5, 0.3, 0.6)
    assert T.check_normalized(1.0, 0.7, 0.6)         # clipped is accepted
    assert T.check_normalized(0.7 / 0.6, 0.7, 0.6)   # unclipped too
    with pytest.raises(AssertionError):
        T.check_normalized(0.18, 0.3, 0.6)


def test_check_best_layer():
    sim = T.simulate_fmri(seed=0)
    assert T.check_best_layer(sim.best_layer, sim)
    with pytest.raises(AssertionError):
        T.check_best_layer("layer.0", sim)
    with pytest.raises(AssertionError, match="not a layer"):
        T.check_best_layer("block.3", sim)


def test_check_surprisal_functions():
    assert T.check_surprisal_bits(lambda p: -np.log2(p))
    with pytest.raises(AssertionError):
        T.check_surprisal_bits(lambda p: -np.log(p))      # nats, not bits
    assert T.check_word_surprisal(lambda s, w: np.bincount(w, weights=s))
    with pytest.raises(AssertionError):
        T.check_word_surprisal(lambda s, w: np.array([s[w == k].mean() for k in np.unique(w)]))


def test_check_reading_time_r():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(200)
    rt = 300 + 20 * s + rng.standard_normal(200) * 30
    rt[:20] += 400 * rng.random(20)        # "sentence-initial" words behave differently
    scored = np.ones(200, bool)
    scored[:20] = False
    r = stats.pearsonr(s[20:], rt[20:]).statistic
    assert T.check_reading_time_r(r, s, rt, scored)
    r_all = stats.pearsonr(s, rt).statistic
    with pytest.raises(AssertionError, match="sentence-initial"):
        T.check_reading_time_r(r_all, s, rt, scored)


def test_reliability_from_sd_matches_simulated_split_half():
    rng = np.random.default_rng(0)
    n_subj, n_items = 40, 2000
    signal = rng.standard_normal(n_items) * 1.0
    data = signal[None] + rng.standard_normal((n_subj, n_items)) * 4.0
    est = T.reliability_from_sd(data.mean(0), data.std(0, ddof=1), np.full(n_items, n_subj))
    truth = 1 / (1 + 16 / n_subj)
    assert est == pytest.approx(truth, abs=0.03)
    assert np.median(T.split_half_consistency(data, n_splits=5)) == pytest.approx(est, abs=0.05)
    assert T.check_reliability(est, data.mean(0), data.std(0, ddof=1), np.full(n_items, n_subj))
    with pytest.raises(AssertionError, match="sd\\*\\*2 / n"):
        wrong = 1 - np.mean(data.std(0, ddof=1) ** 2) / np.var(data.mean(0), ddof=1)
        T.check_reliability(wrong, data.mean(0), data.std(0, ddof=1), np.full(n_items, n_subj))
    with pytest.raises(ValueError):
        T.reliability_from_sd(np.zeros(3), np.zeros(2), np.zeros(3))
