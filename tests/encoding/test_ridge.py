"""Ridge variants against scikit-learn RidgeCV (efficient LOO) and himalaya RidgeCV (per-target, inner K-fold)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn.linear_model import RidgeCV

from brainalign.encoding import DEFAULT_RIDGE_ALPHAS, ridge_cv_predict, ridge_predictivity

from fixtures_neural import lm_like


@pytest.mark.parametrize("n,p,v", [(60, 150, 30), (90, 12, 20), (60, 150, 200)])
def test_ridge_gcv_matches_sklearn_ridgecv(n, p, v):
    X, Y = lm_like(n, p, v, seed=p)
    groups = np.repeat(np.arange(10), n // 10)
    res = ridge_predictivity(X, Y, groups=groups, device="cpu")
    assert len(res.splits) == 10
    for s, (tr, te) in enumerate(res.splits):
        model = RidgeCV(alphas=DEFAULT_RIDGE_ALPHAS, alpha_per_target=False).fit(X[tr], Y[tr])
        assert res.alphas[s] == pytest.approx(model.alpha_)
        pred = model.predict(X[te])
        ref = [pearsonr(pred[:, j], Y[te, j])[0] for j in range(v)]
        np.testing.assert_allclose(res.per_split[s], ref, atol=1e-9)
        assert not np.intersect1d(groups[tr], groups[te]).size  # grouped: no story in both


def test_ridge_alpha_per_target_matches_sklearn():
    X, Y = lm_like(70, 100, 15, seed=4)
    Y[:, :5] = np.random.default_rng(0).normal(size=(70, 5))  # pure-noise neuroids want a large alpha
    res = ridge_predictivity(X, Y, alpha_per_target=True, n_splits=3, splits=None, random_state=0,
                             groups=np.arange(70) % 7, device="cpu")
    for s, (tr, te) in enumerate(res.splits):
        model = RidgeCV(alphas=DEFAULT_RIDGE_ALPHAS, alpha_per_target=True).fit(X[tr], Y[tr])
        np.testing.assert_allclose(res.alphas[s], model.alpha_)
        pred = model.predict(X[te])
        ref = [pearsonr(pred[:, j], Y[te, j])[0] for j in range(15)]
        np.testing.assert_allclose(res.per_split[s], ref, atol=1e-9)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_ridge_cv_predict_matches_himalaya(fit_intercept):
    from himalaya.backend import set_backend
    from himalaya.ridge import RidgeCV as HRidgeCV

    set_backend("numpy")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 40))
    Y = X @ rng.normal(size=(40, 25)) * np.logspace(-2, 1, 25) + rng.normal(size=(120, 25))
    Xte = rng.normal(size=(30, 40))
    alphas = 10.0 ** np.arange(-3, 5)
    pred, best = ridge_cv_predict(X, Y, Xte, alphas=alphas, cv=5, fit_intercept=fit_intercept, scoring="l2",
                                  device="cpu")
    ref = HRidgeCV(alphas=alphas, cv=5, fit_intercept=fit_intercept).fit(X, Y)
    np.testing.assert_allclose(best, ref.best_alphas_)
    np.testing.assert_allclose(pred, ref.predict(Xte), atol=1e-8)
    # R² criterion (the Wehbe pipeline's): himalaya's solver with score_func=r2_score
    from himalaya.ridge import solve_ridge_cv_svd
    from himalaya.scoring import r2_score
    from sklearn.model_selection import KFold

    pred, best = ridge_cv_predict(X, Y, Xte, alphas=alphas, cv=5, fit_intercept=fit_intercept, device="cpu")
    out = solve_ridge_cv_svd(X, Y, alphas=alphas, fit_intercept=fit_intercept, score_func=r2_score, cv=KFold(5))
    np.testing.assert_allclose(best, out[0])
    ref_pred = Xte @ out[1] + (out[3] if fit_intercept else 0)
    np.testing.assert_allclose(pred, ref_pred, atol=1e-8)


def test_ridge_rejects_bad_alphas():
    X, Y = lm_like(30, 10, 5)
    with pytest.raises(ValueError, match="alphas"):
        ridge_predictivity(X, Y, alphas=[0.0, 1.0], device="cpu")
