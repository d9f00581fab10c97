"""The tutorial facade (``brainalign.book.tutorial``): the simulation has the ground truth it claims, the reference
implementations are the package's, and everything the notebook calls is there. The checks are tested in
``tests/book/lab/test_checks.py``."""

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


def test_reliability_from_sd_matches_simulated_split_half():
    rng = np.random.default_rng(0)
    n_subj, n_items = 40, 2000
    signal = rng.standard_normal(n_items) * 1.0
    data = signal[None] + rng.standard_normal((n_subj, n_items)) * 4.0
    est = T.reliability_from_sd(data.mean(0), data.std(0, ddof=1), np.full(n_items, n_subj))
    truth = 1 / (1 + 16 / n_subj)
    assert est == pytest.approx(truth, abs=0.03)
    assert np.median(T.split_half_consistency(data, n_splits=5)) == pytest.approx(est, abs=0.05)
    with pytest.raises(ValueError):
        T.reliability_from_sd(np.zeros(3), np.zeros(2), np.zeros(3))


def test_the_facade_exports_what_the_notebook_calls():
    """Every ``T.<name>`` the tutorial notebook uses exists (a renamed helper would break the lab in class)."""
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "notebooks" / "06_tutorial.py").read_text()
    used = set(re.findall(r"\bT\.([A-Za-z_]\w*)", source))
    assert used, "the notebook should use the facade"
    assert used <= set(T.__all__), f"the notebook uses {sorted(used - set(T.__all__))}, not exported by the facade"
    assert all(hasattr(T, name) for name in T.__all__)
