"""Exactness of brainalign.encoding against a plain scikit-learn + scipy loop of Brain-Score's definition."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit

from brainalign.encoding import aggregate, linear_predictivity, shuffle_splits, sort_order
from fixtures_neural import lm_like


def reference_scores(X, Y, splits):
    """The definition, neuroid by neuroid: sklearn LinearRegression + scipy.stats.pearsonr."""
    out = np.zeros((len(splits), Y.shape[1]))
    for s, (tr, te) in enumerate(splits):
        pred = LinearRegression().fit(X[tr], Y[tr]).predict(X[te])
        out[s] = [pearsonr(pred[:, j], Y[te, j])[0] for j in range(Y.shape[1])]
    return out


@pytest.mark.parametrize("n,p", [(50, 120), (120, 10), (40, 40)])
def test_ols_matches_sklearn_scipy(n, p):
    X, Y = lm_like(n, p, 25, seed=n + p)
    res = linear_predictivity(X, Y, device="cpu")
    ref = reference_scores(X, Y, res.splits)
    assert res.per_split.shape == (10, 25)
    np.testing.assert_allclose(res.per_split, ref, atol=1e-9, rtol=0)
    score_ref = np.mean(np.median(ref, axis=1))
    assert abs(res.score - score_ref) < 1e-9
    assert res.info["dual"] == (p >= max(len(tr) for tr, _ in res.splits))


def test_ill_conditioned_underdetermined_random():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(70, 300))
    Y = rng.normal(size=(70, 40))
    res = linear_predictivity(X, Y, device="cpu")
    np.testing.assert_allclose(res.per_split, reference_scores(X, Y, res.splits), atol=1e-9, rtol=0)


def test_ill_conditioned_overdetermined_features_are_exact():
    """n_train > p with condition number ~4e5 and targets on the small directions: the primal form solves by an SVD of
    the features (exact to eps * cond), as LAPACK gelsd does; eigh of X'X (eps * cond^2) was off by 3.6e-6 here."""
    import scipy.linalg as sl

    rng = np.random.default_rng(5)
    Z = rng.normal(size=(120, 12))
    Q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    X = (Z * np.logspace(0, -5.5, 12)) @ Q + rng.normal(size=12) * 3
    Y = Z[:, -3:] @ rng.normal(size=(3, 20)) + rng.normal(size=(120, 20))
    res = linear_predictivity(X, Y, device="cpu")
    ref = np.zeros_like(res.per_split)
    for s, (tr, te) in enumerate(res.splits):
        mu = X[tr].mean(0)
        pred = (X[te] - mu) @ sl.lstsq(X[tr] - mu, Y[tr] - Y[tr].mean(0))[0]  # scipy's default cutoff: eps
        ref[s] = [pearsonr(pred[:, j], Y[te, j])[0] for j in range(20)]
    assert np.linalg.cond(X[res.splits[0][0]] - X[res.splits[0][0]].mean(0)) > 1e5
    np.testing.assert_allclose(res.per_split, ref, atol=1e-9, rtol=0)


def test_default_splits_are_shufflesplit_over_sorted_ids():
    """brainalign's default protocol: the folds do not depend on the order the stimuli are given in."""
    ids = np.array([f"s{i:03d}" for i in range(30)])
    perm = np.random.default_rng(0).permutation(30)
    order = sort_order(ids[perm], 30)
    got = shuffle_splits(30, order=order)
    ref = list(ShuffleSplit(n_splits=10, train_size=0.9, random_state=1).split(np.zeros(30)))
    for (tr, te), (rtr, rte) in zip(got, ref):
        assert sorted(ids[perm][tr]) == sorted(ids[np.asarray(rtr)])
        assert sorted(ids[perm][te]) == sorted(ids[np.asarray(rte)])


def test_stored_order_splits_are_brainscores():
    """Brain-Score (and the paper protocol): ShuffleSplit over the rows as stored; numeric ids sort differently."""
    n = 40
    ids = np.array([f"243sentences.{i}" for i in range(n)])
    X, Y = lm_like(n, 60, 10)
    stored = linear_predictivity(X, Y, stimulus_ids=ids, split_order="stored", device="cpu")
    ref = list(ShuffleSplit(n_splits=10, train_size=0.9, random_state=1).split(np.zeros(n)))
    for (tr, te), (_, rte) in zip(stored.splits, ref):
        assert sorted(te) == sorted(rte)
    by_sort = linear_predictivity(X, Y, stimulus_ids=ids, split_order="sorted", device="cpu")
    assert stored.score != pytest.approx(by_sort.score, abs=1e-9)
    with pytest.raises(ValueError, match="split_order"):
        linear_predictivity(X, Y, stimulus_ids=ids, split_order="random", device="cpu")


def test_float32_mode_is_float32_least_squares_with_the_paper_era_cutoff():
    """precision='float32' = scikit-learn's LinearRegression on float32 data before 1.9 (scipy lstsq, cond=eps32)."""
    import scipy.linalg

    X, Y = lm_like(120, 300, 20, seed=1)
    res = linear_predictivity(X, Y, precision="float32", device="cpu")
    exact = linear_predictivity(X, Y, device="cpu")
    ref = []
    for tr, te in res.splits:
        Xt, Yt = X[tr].astype(np.float32), Y[tr].astype(np.float32)
        coef = scipy.linalg.lstsq(Xt - Xt.mean(0), Yt - Yt.mean(0))[0]  # default cond: float32 eps
        pred = (X[te].astype(np.float32) - Xt.mean(0)) @ coef
        ref.append([pearsonr(pred[:, j], Y[te, j])[0] for j in range(Y.shape[1])])
    ref_score = float(np.mean(np.median(ref, axis=1)))
    assert abs(res.score - ref_score) < 2e-3  # the same formula in float32; float32 lstsq itself moves ~1e-3
    assert abs(res.score - exact.score) < 2e-3 and res.score != exact.score
    with pytest.raises(ValueError, match="float32"):
        from brainalign.encoding import ridge_predictivity

        ridge_predictivity(X, Y, precision="float32", device="cpu")


def test_stimulus_order_does_not_matter():
    X, Y = lm_like(40, 60, 10)
    ids = np.array([f"st.{i:02d}" for i in range(40)])
    perm = np.random.default_rng(1).permutation(40)
    a = linear_predictivity(X, Y, stimulus_ids=ids, device="cpu")
    b = linear_predictivity(X[perm], Y[perm], stimulus_ids=ids[perm], device="cpu")
    assert abs(a.score - b.score) < 1e-12


def test_layers_mapping_equals_separate_calls_and_mixed_precision_close():
    X, Y = lm_like(60, 80, 30)
    X2 = X[:, ::-1] ** 2 / 100
    small = X[:, :5]  # primal-form layer in the same call
    many = linear_predictivity({"a": X, "b": X2, "c": small}, Y, device="cpu")
    assert list(many.score) == ["a", "b", "c"]
    for name, feats in [("a", X), ("b", X2), ("c", small)]:
        one = linear_predictivity(feats, Y, device="cpu")
        np.testing.assert_allclose(many.per_split[name], one.per_split, atol=1e-12)
    mixed = linear_predictivity({"a": X, "c": small}, Y, precision="mixed", device="cpu")
    np.testing.assert_allclose(mixed.per_split["a"], many.per_split["a"], atol=1e-4)
    assert abs(mixed.score["a"] - many.score["a"]) < 1e-5


def test_data_as_features_scores_one_and_random_zero():
    rng = np.random.default_rng(5)
    Y = rng.normal(size=(80, 50))
    assert linear_predictivity(Y, Y, device="cpu").score > 0.999
    noise = linear_predictivity(rng.normal(size=(80, 200)), Y, device="cpu").score
    assert abs(noise) < 0.15


def test_nan_neuroids_dropped_like_dropna():
    X, Y = lm_like(50, 70, 20)
    Yn = Y.copy()
    Yn[:, [2, 7]] = np.nan
    Yn[10, 11] = np.nan
    res = linear_predictivity(X, Yn, device="cpu")
    keep = np.ones(20, bool)
    keep[[2, 7, 11]] = False
    assert (res.neuroid_mask == keep).all()
    assert np.isnan(res.per_split[:, ~keep]).all()
    ref = linear_predictivity(X, Y[:, keep], device="cpu")
    np.testing.assert_allclose(res.per_split[:, keep], ref.per_split, atol=1e-12)
    assert abs(res.score - ref.score) < 1e-12
    with pytest.raises(ValueError, match="NaN"):
        linear_predictivity(X, Yn, nan_policy="raise", device="cpu")


def test_batched_correlation_matches_newer_brainscore_formula():
    X, Y = lm_like(40, 60, 12)
    res = linear_predictivity(X, Y, correlation="batched", device="cpu")
    for s, (tr, te) in enumerate(res.splits[:3]):
        pred = LinearRegression().fit(X[tr], Y[tr]).predict(X[te])
        xm = pred - pred.mean(0)
        ym = Y[te] - Y[te].mean(0)
        ref = ((xm / (np.linalg.norm(xm, axis=0) + 1e-8)) * (ym / (np.linalg.norm(ym, axis=0) + 1e-8))).sum(0)
        np.testing.assert_allclose(res.per_split[s], ref, atol=1e-9)


def test_aggregate_median_then_mean_skipping_nan():
    per = np.array([[0.1, 0.2, np.nan, 0.4], [0.0, 0.3, 0.5, np.nan]])
    score, med = aggregate(per)
    np.testing.assert_allclose(med, [0.2, 0.3])
    assert score == pytest.approx(0.25)


def test_bad_input_errors():
    X, Y = lm_like(30, 10, 5)
    with pytest.raises(ValueError, match="rows"):
        linear_predictivity(X[:20], Y, device="cpu")
    with pytest.raises(ValueError, match="unique"):
        linear_predictivity(X, Y, stimulus_ids=np.zeros(30), device="cpu")
    with pytest.raises(ValueError, match="correlation"):
        linear_predictivity(X, Y, correlation="spearman", device="cpu")
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        linear_predictivity(Xn, Y, device="cpu")


def test_rank_deficient_features_fall_back_to_pinv_and_match_sklearn():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 4)) @ rng.normal(size=(4, 150)) + rng.normal(size=150)  # rank 4, p > n
    Y = X[:, :3] @ rng.normal(size=(3, 10)) + rng.normal(size=(60, 10))
    res = linear_predictivity(X, Y, device="cpu")
    assert res.info["cholesky_folds"] == 0  # singular: eigh + pseudo-inverse
    np.testing.assert_allclose(res.per_split, reference_scores(X, Y, res.splits), atol=1e-9, rtol=0)


def test_cholesky_and_eigh_solvers_agree():
    X, Y = lm_like(50, 120, 15)
    fast = linear_predictivity(X, Y, device="cpu")
    slow = linear_predictivity(X, Y, solver="eigh", device="cpu")
    assert fast.info["cholesky_folds"] == 10
    np.testing.assert_allclose(fast.per_split, slow.per_split, atol=1e-10)


# ------------------------------------------------------------------------------ degenerate inputs (issue 13, D13)
def _xy(n=40, p=5, v=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p)), rng.normal(size=(n, v))


@pytest.mark.parametrize("kwargs, pattern", [
    ({"n_splits": 0}, "n_splits must be a whole number >= 1"),
    ({"n_splits": -2}, "n_splits must be a whole number >= 1"),
    ({"splits": [(np.arange(10), np.arange(35, 45))]}, r"test positions must lie in \[0, 40\)"),
    ({"splits": [(np.arange(10), np.array([-1, -2, -3]))]}, r"test positions must lie in \[0, 40\)"),
    ({"splits": [(np.arange(10), np.arange(5, 15))]}, "in both train and test"),
    ({"splits": [(np.arange(10), np.array([20]))]}, "tests on 1 stimulus"),
    ({"splits": [(np.arange(10), np.array([20.0, 21.0, 22.0]))]}, "must be a 1-d array of integers"),
    ({"splits": []}, "no splits"),
])
def test_bad_splits_are_explained(kwargs, pattern):
    X, Y = _xy()
    with pytest.raises(ValueError, match=pattern):
        linear_predictivity(X, Y, **kwargs)


def test_too_few_stimuli_per_test_split():
    X, Y = _xy(n=6)
    with pytest.raises(ValueError, match="tests on 1 stimulus"):  # 10% of 6: one stimulus, r undefined (was NaN)
        linear_predictivity(X, Y)
    X, Y = _xy(n=20)
    with pytest.warns(RuntimeWarning, match="test on only 2 stimuli"):  # r is +-1
        linear_predictivity(X, Y)


def test_constant_inputs_warn_instead_of_silent_nan():
    X, Y = _xy()
    with pytest.warns(RuntimeWarning, match="constant features"):
        res = linear_predictivity(np.ones_like(X), Y)
    assert np.isnan(res.score)
    with pytest.warns(RuntimeWarning, match="every neuroid is constant"):
        linear_predictivity(X, np.ones_like(Y))
    with pytest.warns(RuntimeWarning, match=r"layer\(s\) 'flat'"):
        res = linear_predictivity({"flat": np.ones_like(X), "real": X}, Y)
    assert np.isnan(res.score["flat"]) and np.isfinite(res.score["real"])


def test_overflowing_and_all_nan_features_are_named():
    X, Y = _xy()
    with pytest.raises(ValueError, match=r"features reach 2e\+200.*rescale"):  # was numpy's LinAlgError
        linear_predictivity(X * 0 + 1e200 * (np.arange(X.size).reshape(X.shape) % 3), Y)
    with pytest.raises(ValueError, match=r"features\['b'\] are all NaN"):
        linear_predictivity({"a": X, "b": np.full_like(X, np.nan)}, Y)


# ------------------------------------------------------------------------------------- memory (issue 13, D14)
def test_memory_estimate_counts_the_float64_copies():
    from brainalign.encoding.predictivity import memory_estimate

    est = memory_estimate(1000, 50_000, [768] * 13, n_test=100)
    assert est["targets"] == 2 * 1000 * 50_000 * 8  # float16 targets: 8x their size once upcast and centred
    assert est["features"] == 13 * 1000 * 768 * 8 and est["grams"] == 0  # 768 < 900 training stimuli: primal form
    assert est["total"] == sum(v for k, v in est.items() if k != "total")
    assert memory_estimate(1000, 10, [4096], n_test=100)["grams"] == 2 * 1000 * 1000 * 8


def test_fails_fast_with_the_estimate_when_memory_is_short(monkeypatch):
    from brainalign.encoding import predictivity

    X, Y = _xy()
    monkeypatch.setattr(predictivity, "available_memory", lambda device: 1000)
    with pytest.raises(MemoryError, match=r"needs about .* GiB \(targets .*\) but only 0.00 GiB are free"):
        linear_predictivity(X, Y.astype(np.float16))
    with pytest.raises(MemoryError, match="16-bit targets .* upcast to float64 and centred, 8x their size"):
        linear_predictivity(X, Y.astype(np.float16))
