"""The lab's checks: right answers pass, placeholders say "Not yet", wrong answers say "Try again" with the hint of
the mistake made, and no answer makes a check raise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.model_selection import ShuffleSplit

from brainalign.book.lab import checks as C
from brainalign.book.lab.feedback import NOT_YET, PASSED, TRY_AGAIN
from brainalign.book.lab.realdata import StoryLayers
from brainalign.book.lab.simulation import simulate_fmri
from brainalign.encoding import linear_predictivity


def status(fb) -> str:
    return fb.status


def _cv(features, target, regression=None):
    scores = []
    for tr, te in ShuffleSplit(10, train_size=0.9, random_state=1).split(features):
        fit = (regression or LinearRegression()).fit(features[tr], target[tr])
        scores.append(np.median(C.pearson_r(fit.predict(features[te]), target[te])))
    return float(np.mean(scores))


@pytest.fixture(scope="module")
def sim():
    return simulate_fmri(seed=0)


def test_check_split(sim):
    perm = np.random.default_rng(0).permutation(100)
    assert status(C.check_split(perm[:90], perm[90:], 100)) == PASSED
    first = next(ShuffleSplit(10, train_size=0.9, random_state=1).split(np.arange(100)))
    assert "Brain-Score" in C.check_split(*first, 100).message
    assert status(C.check_split(..., ..., 100)) == NOT_YET
    assert "leakage" in C.check_split(perm[:90], perm[85:], 100).message
    for train, test in ((perm[:50], perm[50:]), (perm[:90], perm[91:]), (perm[:90] * 0.5, perm[90:])):
        assert status(C.check_split(train, test, 100)) == TRY_AGAIN


def test_check_held_out_recognises_the_classic_mistakes(sim):
    X = np.random.default_rng(0).standard_normal((sim.n_stimuli, 150))
    Y = sim.mean_response
    train, test = next(ShuffleSplit(10, train_size=0.9, random_state=1).split(X))
    fit = LinearRegression().fit(X[train], Y[train])
    right = float(np.median(C.pearson_r(fit.predict(X[test]), Y[test])))
    assert status(C.check_held_out(right, X, Y, train, test)) == PASSED
    assert status(C.check_held_out(..., X, Y, train, test)) == NOT_YET
    assert "Exercise 1" in C.check_held_out(right, X, Y, ..., test).message
    mean_r = float(np.mean(C.pearson_r(fit.predict(X[test]), Y[test])))
    assert "median" in C.check_held_out(mean_r, X, Y, train, test).message
    in_sample = float(np.median(C.pearson_r(fit.predict(X[train]), Y[train])))
    assert "training stimuli" in C.check_held_out(in_sample, X, Y, train, test).message
    leaky = LinearRegression().fit(X, Y)
    assert "leakage" in C.check_held_out(float(np.median(C.pearson_r(leaky.predict(X[test]), Y[test]))), X, Y,
                                         train, test).message
    assert status(C.check_held_out("0.1", X, Y, train, test)) == TRY_AGAIN  # a string is read as a number
    assert status(C.check_held_out([1, 2], X, Y, train, test)) == TRY_AGAIN


def test_check_pearson_r():
    assert C.check_pearson_r(lambda x, y: stats.pearsonr(x, y).statistic)
    assert status(C.check_pearson_r(lambda x, y: None)) == NOT_YET
    assert status(C.check_pearson_r(lambda x, y: np.dot(x, y) / np.linalg.norm(x) / np.linalg.norm(y))) == TRY_AGAIN
    assert status(C.check_pearson_r(lambda x, y: np.cov(x, y)[0, 1])) == TRY_AGAIN
    crash = C.check_pearson_r(lambda x, y: x.nosuch())
    assert status(crash) == TRY_AGAIN and "AttributeError" in crash.message


def test_check_spearman_brown_and_normalized():
    assert C.check_spearman_brown(lambda r: 2 * r / (1 + r))
    assert status(C.check_spearman_brown(lambda r: ...)) == NOT_YET
    assert "raises r" in C.check_spearman_brown(lambda r: r / (2 - r)).message
    assert C.check_normalized(0.5, 0.3, 0.6)
    assert C.check_normalized(1.0, 0.7, 0.6) and C.check_normalized(0.7 / 0.6, 0.7, 0.6)   # clipped or not
    assert status(C.check_normalized(0.18, 0.3, 0.6)) == TRY_AGAIN
    assert status(C.check_normalized(..., 0.3, 0.6)) == NOT_YET


def test_check_ceiling_prediction_compares_with_measured_ceilings():
    assert C.check_ceiling_prediction(lambda sd, n: 1 / (1 + sd ** 2 / n))
    assert status(C.check_ceiling_prediction(lambda sd, n: None)) == NOT_YET
    wrong = C.check_ceiling_prediction(lambda sd, n: 1 / (1 + sd ** 2))       # forgot the averaging over subjects
    assert status(wrong) == TRY_AGAIN and "measured" in wrong.message


def test_check_best_layer(sim):
    assert C.check_best_layer(sim.best_layer, sim)
    assert status(C.check_best_layer("layer.0", sim)) == TRY_AGAIN
    assert "not a layer" in C.check_best_layer("block.3", sim).message
    assert status(C.check_best_layer(..., sim)) == NOT_YET


def test_check_unit_sweep_uses_the_package_as_reference():
    right = {}
    for n in C.UNIT_SWEEP:
        s = simulate_fmri(n_units=n, seed=0)
        right[n] = _cv(s.layers[s.best_layer], s.mean_response)
    fb = C.check_unit_sweep(right)
    assert fb and "lowest at" in fb.message
    assert status(C.check_unit_sweep(...)) == NOT_YET
    assert status(C.check_unit_sweep({16: 0.1})) == TRY_AGAIN
    assert status(C.check_unit_sweep({n: v + 0.01 for n, v in right.items()})) == TRY_AGAIN


@pytest.fixture(scope="module")
def story() -> pd.DataFrame:
    """A synthetic story with the columns of the Natural Stories table and a surprisal effect on reading times."""
    rng = np.random.default_rng(0)
    n = 300
    words = pd.DataFrame({"word_core": ["w" * int(k) for k in rng.integers(1, 9, n)],
                          "scored": (rng.random(n) > 0.1).astype(int),
                          "surprisal": rng.gamma(2, 3, n),
                          "sd_rt_2016": rng.uniform(50, 150, n), "n_subj_2016": rng.integers(60, 100, n)})
    words.loc[0, "surprisal"] = np.nan
    words["mean_rt_2016"] = (300 + 8 * words["surprisal"].fillna(0) + 5 * words["word_core"].str.len()
                             + rng.normal(0, 30, n) + 200 * (words["scored"] == 0))
    return words


def test_check_reliability(story):
    sc = story[story["scored"] == 1]
    right = 1 - (sc["sd_rt_2016"] ** 2 / sc["n_subj_2016"]).mean() / sc["mean_rt_2016"].var()
    assert C.check_reliability(right, story)
    assert status(C.check_reliability(..., story)) == NOT_YET
    no_n = 1 - (sc["sd_rt_2016"] ** 2).mean() / sc["mean_rt_2016"].var()
    assert "sd**2 / n" in C.check_reliability(no_n, story).message
    everything = 1 - (story["sd_rt_2016"] ** 2 / story["n_subj_2016"]).mean() / story["mean_rt_2016"].var()
    assert "scored" in C.check_reliability(everything, story).message


def test_check_surprisal_functions():
    assert C.check_surprisal_bits(lambda p: -np.log2(p))
    assert "nats" in C.check_surprisal_bits(lambda p: -np.log(p)).message
    assert "sign" in C.check_surprisal_bits(lambda p: np.log2(p)).message
    assert status(C.check_surprisal_bits(lambda p: ...)) == NOT_YET
    assert status(C.check_surprisal_bits(lambda p: 1.0)) == TRY_AGAIN
    assert C.check_word_surprisal(lambda s, w: np.bincount(w, weights=s))
    averaged = C.check_word_surprisal(lambda s, w: np.array([s[w == k].mean() for k in np.unique(w)]))
    assert status(averaged) == TRY_AGAIN and "averaged" in averaged.message
    assert status(C.check_word_surprisal(lambda s, w: None)) == NOT_YET


def test_check_reading_time_r(story):
    ok = (story["scored"] == 1) & np.isfinite(story["surprisal"])
    r = stats.pearsonr(story.loc[ok, "surprisal"], story.loc[ok, "mean_rt_2016"]).statistic
    assert C.check_reading_time_r(r, story)
    assert status(C.check_reading_time_r(..., story)) == NOT_YET
    finite = np.isfinite(story["surprisal"])
    r_all = stats.pearsonr(story.loc[finite, "surprisal"], story.loc[finite, "mean_rt_2016"]).statistic
    assert "sentence-initial" in C.check_reading_time_r(r_all, story).message
    assert "nan" in C.check_reading_time_r(float("nan"), story).message


def test_check_length_baseline(story):
    sub = story[(story["scored"] == 1) & np.isfinite(story["surprisal"])]
    length = sub["word_core"].str.len().to_numpy(float)[:, None]
    both = np.column_stack([length, sub["surprisal"]])
    rt = sub["mean_rt_2016"]
    r_length = np.corrcoef(length[:, 0], rt)[0, 1]
    gain = LinearRegression().fit(both, rt).score(both, rt) - LinearRegression().fit(length, rt).score(length, rt)
    fb = C.check_length_baseline(r_length, gain, story)
    assert fb and "adding surprisal" in fb.message
    assert status(C.check_length_baseline(r_length, ..., story)) == NOT_YET
    assert status(C.check_length_baseline(r_length, gain + 0.01, story)) == TRY_AGAIN
    assert status(C.check_length_baseline(-r_length, gain, story)) == TRY_AGAIN


def test_check_ridge_matches_scikit_learns_ridgecv():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 60))
    y = X[:, :3].sum(1) + rng.standard_normal(120) * 2
    layers = StoryLayers(features={"layer.1": X}, reading_times=y, depth={"layer.1": 1.0})
    ridge = _cv(X, y, RidgeCV(alphas=C.RIDGE_ALPHAS))
    ols = float(linear_predictivity(X, y[:, None]).score)
    assert ols == pytest.approx(_cv(X, y))
    fb = C.check_ridge(ridge, ridge > ols, layers, "layer.1")
    assert fb, fb
    assert status(C.check_ridge(ridge, not ridge > ols, layers, "layer.1")) == TRY_AGAIN
    assert status(C.check_ridge(ols, True, layers, "layer.1")) == TRY_AGAIN
    assert status(C.check_ridge(..., ..., layers, "layer.1")) == NOT_YET
