"""The ridge estimator of Futrell2018-encoding agrees with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from brainalign.encoding.grouped_ridge import cross_validated_ridge, ridge_gcv_fit


def _data(seed=0, n=400, p=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.logspace(0, 1.5, p) + 3.0
    y = X[:, :4] @ np.array([0.3, -0.2, 0.1, 0.05]) + rng.standard_normal(n) + 7.0
    return X, y, rng


def test_ridge_matches_sklearn_and_gcv_by_brute_force():
    X, y, _ = _data()
    rel = np.logspace(-6, 2, 17)
    coef, icpt, alpha, gcv = ridge_gcv_fit(X, y, rel)
    sk = Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(coef, sk.coef_, rtol=1e-8, atol=1e-10)
    assert icpt == pytest.approx(sk.intercept_, rel=1e-8)
    # GCV by brute force: hat matrix with an unpenalized intercept
    n = len(y)
    Xc = X - X.mean(0)
    scale = np.trace(Xc.T @ Xc) / X.shape[1]
    for k, r in enumerate(rel):
        a = r * scale
        H = np.ones((n, n)) / n + Xc @ np.linalg.solve(Xc.T @ Xc + a * np.eye(X.shape[1]), Xc.T)
        res = y - H @ y
        want = np.mean(res ** 2) / (1 - np.trace(H) / n) ** 2
        assert gcv[k] == pytest.approx(want, rel=1e-7)
    assert 0 < np.argmin(gcv) < len(rel) - 1  # the grid brackets the optimum on this problem


def test_cross_validation_is_grouped_and_held_out():
    X, y, rng = _data(1, n=600)
    groups = np.repeat(np.arange(6), 100)
    res = cross_validated_ridge(X, y, groups)
    assert res.predictions.shape == y.shape and len(res.alphas) == 6
    # each fold's predictions come from a model fit without that group
    test = groups == 2
    coef, icpt, _, _ = ridge_gcv_fit(X[~test], y[~test])
    np.testing.assert_allclose(res.predictions[test], X[test] @ coef + icpt, rtol=1e-8)
    fold_r = [np.corrcoef(res.predictions[groups == g], y[groups == g])[0, 1] for g in range(6)]
    np.testing.assert_allclose(np.sort(res.fold_r), np.sort(fold_r))  # GroupKFold's fold order
    assert res.r == pytest.approx(np.mean(fold_r))
    assert res.pooled_r == pytest.approx(np.corrcoef(res.predictions, y)[0, 1])
    noise = cross_validated_ridge(rng.standard_normal((600, 30)), y, groups)
    assert res.r > 0.3 and abs(noise.r) < 0.1


def test_bad_input():
    X, y, _ = _data()
    with pytest.raises(ValueError, match="do not match"):
        cross_validated_ridge(X[:10], y, np.zeros(len(y)))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        cross_validated_ridge(X, y, np.arange(len(y)) % 4)
