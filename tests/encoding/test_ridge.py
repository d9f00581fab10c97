"""Ridge variants against scikit-learn: RidgeCV (efficient LOO), and a literal Ridge loop for the per-target inner
K-fold ridge (himalaya's solver)."""

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


def _literal_ridge_cv(X, Y, Xte, alphas, folds, fit_intercept, scoring):
    """The Wehbe pipeline's choice, literally: per alpha and fold a scikit-learn Ridge, per target the best mean
    score over folds (R², or minus the squared error), then a refit on all training rows."""
    from sklearn.linear_model import Ridge

    score = np.zeros((len(alphas), Y.shape[1]))
    for k, alpha in enumerate(alphas):
        for tr, va in folds:
            pred = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(X[tr], Y[tr]).predict(X[va])
            sse = ((pred - Y[va]) ** 2).sum(0)
            sst = ((Y[va] - Y[va].mean(0)) ** 2).sum(0)
            score[k] += (1 - sse / sst) if scoring == "r2" else -sse
    best = score.argmax(0)
    pred = np.column_stack([Ridge(alpha=alphas[best[j]], fit_intercept=fit_intercept, solver="svd")
                            .fit(X, Y[:, j]).predict(Xte) for j in range(Y.shape[1])])
    return pred, np.asarray(alphas)[best]


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("scoring", ["r2", "l2"])
def test_ridge_cv_predict_matches_a_literal_sklearn_loop(fit_intercept, scoring):
    """Guard for the himalaya call (the pipeline's solver): same alphas, same predictions."""
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 40))
    Y = X @ rng.normal(size=(40, 25)) * np.logspace(-2, 1, 25) + rng.normal(size=(120, 25))
    Xte = rng.normal(size=(30, 40))
    alphas = 10.0 ** np.arange(-3, 5)
    pred, best = ridge_cv_predict(X, Y, Xte, alphas=alphas, cv=5, fit_intercept=fit_intercept, scoring=scoring,
                                  device="cpu")
    ref_pred, ref_best = _literal_ridge_cv(X, Y, Xte, alphas, list(KFold(5).split(X)), fit_intercept, scoring)
    np.testing.assert_array_equal(best, ref_best)
    np.testing.assert_allclose(pred, ref_pred, atol=1e-8)
    # explicit folds give the same as the int
    pred2, _ = ridge_cv_predict(X, Y, Xte, alphas=alphas, cv=list(KFold(5).split(X)), fit_intercept=fit_intercept,
                                scoring=scoring, device="cpu")
    np.testing.assert_allclose(pred2, pred, atol=1e-12)


def test_ridge_rejects_bad_alphas():
    X, Y = lm_like(30, 10, 5)
    with pytest.raises(ValueError, match="alphas"):
        ridge_predictivity(X, Y, alphas=[0.0, 1.0], device="cpu")


def test_ridge_cv_predict_rejects_bad_input():
    X, Y = lm_like(30, 10, 5)
    with pytest.raises(ValueError, match="alphas"):
        ridge_cv_predict(X, Y, X, alphas=[0.0, 1.0], device="cpu")
    with pytest.raises(ValueError, match="shapes"):
        ridge_cv_predict(X, Y[:10], X, alphas=[1.0], device="cpu")
    with pytest.raises(ValueError, match="scoring"):
        ridge_cv_predict(X, Y, X, alphas=[1.0], scoring="mse", device="cpu")
