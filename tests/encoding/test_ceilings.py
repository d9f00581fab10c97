"""Brain-Score's extrapolation ceiling, vectorised, against a literal loop (RandomState(0) bootstraps + curve_fit)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import curve_fit

from brainalign.encoding.ceilings import extrapolation_ceiling, fit_saturation, saturation
from brainalign.encoding import linear_predictivity


def test_fit_saturation_matches_curve_fit():
    rng = np.random.default_rng(0)
    n = np.arange(2, 9, dtype=float)
    ys = [saturation(n, v0, tau) + rng.normal(scale=0.01, size=len(n))
          for v0, tau in [(0.4, 1.5), (0.8, 3.0), (0.2, 0.7), (0.6, 6.0)]]
    v0, tau = fit_saturation(n, np.array(ys))
    for i, y in enumerate(ys):
        (rv0, rtau), _ = curve_fit(saturation, n, y, bounds=([0, -np.inf], [1, np.inf]))
        assert v0[i] == pytest.approx(rv0, abs=1e-5)
        assert tau[i] == pytest.approx(rtau, rel=1e-3)


def _fixture(n_subjects=4, per=3, n=60, seed=0):
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=(n, 3))
    blocks = [shared @ rng.normal(size=(3, per)) + rng.normal(scale=1.5, size=(n, per)) for _ in range(n_subjects)]
    subjects = np.repeat([f"s{i}" for i in range(n_subjects)], per)
    return np.concatenate(blocks, axis=1), subjects


def test_extrapolation_ceiling_matches_literal_brainscore_loop():
    Y, subjects = _fixture()
    got = extrapolation_ceiling(Y, subjects, n_bootstraps=20, progress=False, metric_kw={"n_splits": 4})
    # literal loop: every combination, every held-out subject, pool predicts held-out
    uniq = sorted(set(subjects))
    values = {i: {} for i in range(Y.shape[1])}
    for n in range(2, len(uniq) + 1):
        for subset in itertools.combinations(uniq, n):
            for h in subset:
                pool = np.isin(subjects, [s for s in subset if s != h])
                held = np.flatnonzero(subjects == h)
                res = linear_predictivity(Y[:, pool], Y[:, held], n_splits=4, device="cpu")
                for j, col in enumerate(held):
                    values[col].setdefault(n, []).append(res.per_split[:, j])
    ceilings = []
    for col in range(Y.shape[1]):
        rng = np.random.RandomState(0)
        v0s = []
        for _ in range(20):
            means = []
            for n in sorted(values[col]):
                choices = np.concatenate(values[col][n])
                means.append(rng.choice(choices, size=len(choices), replace=True).mean())
            (v0, _), _ = curve_fit(saturation, sorted(values[col]), means, bounds=([0, -np.inf], [1, np.inf]))
            v0s.append(v0)
        ceilings.append(np.median(v0s))
    np.testing.assert_allclose(got.neuroid_ceilings, ceilings, atol=1e-4)
    assert got.ceiling == pytest.approx(np.median(ceilings), abs=1e-4)
    assert 0 < got.ceiling <= 1


def test_ceiling_random_subsets_and_errors():
    Y, subjects = _fixture(n_subjects=5, per=2, n=40)
    res = extrapolation_ceiling(Y, subjects, max_subsets=3, n_holdouts=2, n_bootstraps=5, progress=False,
                                metric_kw={"n_splits": 3})
    assert res.neuroid_ceilings.shape == (10,) and np.isfinite(res.ceiling)
    with pytest.raises(ValueError, match="NaN"):
        Y2 = Y.copy()
        Y2[0, 0] = np.nan
        extrapolation_ceiling(Y2, subjects, progress=False)
