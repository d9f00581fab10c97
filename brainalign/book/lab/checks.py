"""The lab's exercise checks: each recomputes the expected answer from the inputs (nothing is hard-coded) and returns
:class:`~.feedback.Feedback` ("Passed", "Not yet" or "Try again" with a hint), never raising on a student's answer.

"Not yet" means the exercise still holds its placeholder (``...``) or its function still returns nothing, so the
student edition of the notebook runs from top to bottom before any exercise is solved. The hints target the mistakes
students make most (median vs mean over voxels, natural log vs log2, mean vs sum over subword tokens, sentence-initial
words kept).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit

from ...encoding import linear_predictivity, ridge_predictivity
from ...encoding.correlation import pearson_r
from ...encoding.split_half import spearman_brown, split_half_consistency
from .feedback import Feedback, StudentCodeError, call, is_placeholder, not_yet, passed, pending, try_again
from .realdata import StoryLayers
from .simulation import SimulatedFMRI, reliability_from_sd, simulate_fmri

__all__ = ["RIDGE_ALPHAS", "UNIT_SWEEP", "check_best_layer", "check_ceiling_prediction", "check_held_out",
           "check_length_baseline", "check_normalized", "check_pearson_r", "check_reading_time_r",
           "check_reliability", "check_ridge", "check_spearman_brown", "check_split", "check_surprisal_bits",
           "check_unit_sweep", "check_word_surprisal"]

#: Ridge penalties of the last stretch exercise (RidgeCV picks one by efficient leave-one-out on each training set).
RIDGE_ALPHAS = tuple(float(a) for a in np.logspace(-1, 7, 17))
#: Layer widths of the "more units than training stimuli" stretch exercise (180 = the training stimuli per split).
UNIT_SWEEP = (16, 32, 64, 120, 170, 180, 190, 250, 500, 1000)


def _student(func: Callable[..., Any], exercise: str, *args: Any) -> Any:
    return call(func, *args, exercise=exercise)


def _feedback_on_error(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """A student's function that raises becomes "Try again" feedback instead of a traceback."""
    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> Feedback:
        try:
            return check(*args, **kwargs)
        except StudentCodeError as exc:
            return exc.feedback
    return wrapper


def _number(value: Any) -> float | None:
    try:
        return float(np.asarray(value, dtype=float).item())
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------------------------------------------------
# Sections 2-5: the simulation
# ----------------------------------------------------------------------------------------------------------------------
def check_split(train: Any, test: Any, n_stimuli: int, train_size: float = 0.9) -> Feedback:
    """Exercise 1: a train/test split of ``n_stimuli`` items, disjoint, complete, about ``train_size`` in train."""
    wait = pending("Exercise 1", ("train", train), ("test", test))
    if wait is not None:
        return wait
    train, test = np.asarray(train).ravel(), np.asarray(test).ravel()
    if not (np.issubdtype(train.dtype, np.integer) and np.issubdtype(test.dtype, np.integer)):
        return try_again("train and test should hold stimulus indices (integers 0, 1, 2, ...), not "
                         f"{train.dtype} / {test.dtype} values.")
    overlap = np.intersect1d(train, test)
    if overlap.size:
        return try_again(f"{overlap.size} stimuli are in both train and test (e.g. {overlap[:5].tolist()}): that is "
                         "leakage. Every stimulus belongs to exactly one of the two.")
    covered = np.union1d(train, test)
    if covered.size != n_stimuli or covered.min() != 0 or covered.max() != n_stimuli - 1 or \
            train.size + test.size != n_stimuli:
        return try_again(f"train + test should hold every index 0..{n_stimuli - 1} exactly once; they hold "
                         f"{train.size + test.size} indices, {covered.size} distinct.")
    expected = int(round(train_size * n_stimuli))
    if abs(train.size - expected) > 1:
        return try_again(f"train has {train.size} stimuli; with train_size={train_size} expect about {expected}.")
    first = next(ShuffleSplit(n_splits=10, train_size=train_size, random_state=1).split(np.arange(n_stimuli)))
    same = set(train.tolist()) == set(first[0].tolist())
    return passed(f"{train.size} train / {test.size} test stimuli, no overlap"
                  + (" (the first of Brain-Score's 10 splits)." if same else "."))


def _median_r(features: np.ndarray, responses: np.ndarray, fit_rows: np.ndarray, score_rows: np.ndarray,
              how: Callable[[np.ndarray], float] = np.median) -> float:
    model = LinearRegression().fit(features[fit_rows], responses[fit_rows])
    return float(how(pearson_r(model.predict(features[score_rows]), responses[score_rows])))


def check_held_out(held_out_r: Any, features: np.ndarray, responses: np.ndarray, train: Any, test: Any) -> Feedback:
    """Exercise 2: the median over voxels of the held-out r of a fit on ``train``, scored on ``test``.

    Parameters
    ----------
    held_out_r : float
        The student's answer.
    features : ndarray, shape [n_stimuli, n_units]
    responses : ndarray, shape [n_stimuli, n_voxels]
    train, test : index arrays (Exercise 1)
    """
    if is_placeholder(train) or is_placeholder(test) or not check_split(train, test, len(features)):
        return not_yet("Exercise 2 needs the train/test split of Exercise 1: finish that one first.")
    wait = pending("Exercise 2", ("held_out_r", held_out_r))
    if wait is not None:
        return wait
    value = _number(held_out_r)
    if value is None:
        return try_again(f"held_out_r should be one number (the median over voxels), got {type(held_out_r).__name__}.")
    train, test = np.asarray(train).ravel(), np.asarray(test).ravel()
    expected = _median_r(features, responses, train, test)
    if np.isclose(value, expected, atol=1e-6):
        in_sample = _median_r(features, responses, train, train)
        return passed(f"held-out r = {value:.2f}; the same fit scores r = {in_sample:.2f} on its own training "
                      "stimuli. Only the held-out number says anything about the features.")
    hints = {"you took the mean over voxels; Brain-Score takes the median": _median_r(features, responses, train,
                                                                                      test, np.mean),
             "you scored the fit on its training stimuli": _median_r(features, responses, train, train),
             "your fit saw the test stimuli (fitted on all of them): that is leakage":
                 _median_r(features, responses, np.arange(len(features)), test)}
    hint = next((h for h, v in hints.items() if np.isclose(value, v, atol=1e-6)), "fit on train, predict test, r "
                "per voxel, then the median over voxels")
    return try_again(f"got {value:.4f}, expected {expected:.4f}: {hint}.")


@_feedback_on_error
def check_pearson_r(func: Callable[[np.ndarray, np.ndarray], float], n_trials: int = 5, seed: int = 0) -> Feedback:
    """Exercise 3: a Pearson correlation ``func(x, y) -> float`` on random 1-D data, against scipy."""
    rng = np.random.default_rng(seed)
    for trial in range(n_trials):
        n = int(rng.integers(5, 100))
        x = rng.standard_normal(n) * rng.uniform(0.1, 10) + rng.uniform(-5, 5)
        y = 0.5 * x + rng.standard_normal(n) * rng.uniform(0.1, 3)
        got = _student(func, "Exercise 3", x, y)
        if is_placeholder(got):
            return not_yet("Exercise 3: `my_pearson` still returns nothing; write its body and return r.")
        expected = stats.pearsonr(x, y).statistic
        got = _number(got)
        if got is None or not np.isclose(got, expected, atol=1e-6):
            return try_again(f"on test data {trial + 1}, your r = {got}, expected {expected:.6f}. Centre both vectors "
                             "(subtract their means), then divide their dot product by the product of their norms.")
    for slope, want in ((3.0, 1.0), (-1.0, -1.0)):
        got = _number(_student(func, "Exercise 3", np.arange(10.0), slope * np.arange(10.0) + 7))
        if got is None or not np.isclose(got, want):
            return try_again(f"a straight line with slope {slope:+.0f} should give r = {want:+.0f}, got {got}.")
    return passed("your Pearson r matches scipy.stats.pearsonr.")


@_feedback_on_error
def check_spearman_brown(func: Callable[[float], float]) -> Feedback:
    """Exercise 4: the split-half correction ``func(r_half) -> r_full`` (Spearman–Brown, factor 2)."""
    for r in (0.0, 0.2, 0.5, 0.8, 0.95):
        got = _student(func, "Exercise 4", r)
        if is_placeholder(got):
            return not_yet("Exercise 4: `my_spearman_brown` still returns nothing; return the corrected r.")
        got, expected = _number(got), spearman_brown(r)
        if got is None or not np.isclose(got, expected):
            hint = " The correction raises r: a whole group is more reliable than a half." if got is not None and \
                got < r else ""
            return try_again(f"my_spearman_brown({r}) = {got}, expected {expected:.4f}.{hint}")
    return passed("your correction matches 2r / (1 + r).")


def check_normalized(value: Any, raw: float, ceiling: float) -> Feedback:
    """Exercise 5: a ceiling-normalized score ``raw / ceiling`` (Brain-Score clips it to [0, 1]; both accepted)."""
    wait = pending("Exercise 5", ("normalized_l5", value))
    if wait is not None:
        return wait
    got, expected = _number(value), raw / ceiling
    if got is not None and (np.isclose(got, expected) or np.isclose(got, min(max(expected, 0.0), 1.0))):
        return passed(f"normalized score {got:.3f} = {raw:.3f} / {ceiling:.3f}.")
    return try_again(f"got {got}; the normalized score is raw / ceiling = {raw:.4f} / {ceiling:.4f}.")


@_feedback_on_error
def check_ceiling_prediction(func: Callable[[float, int], float], seed: int = 0, tolerance: float = 0.07) -> Feedback:
    """Stretch A: a formula ``func(noise_sd, n_subjects) -> ceiling``, against the measured split-half ceilings.

    The check simulates experiments with several noise levels and group sizes and measures their split-half
    ceilings (median over 10 splits); a prediction within ``tolerance`` of every measurement passes.
    """
    rows = []
    for noise_sd in (1.5, 3.0, 6.0):
        for n_subjects in (4, 10, 20):
            got = _student(func, "Stretch A", noise_sd, n_subjects)
            if is_placeholder(got):
                return not_yet("Stretch A: `predict_ceiling` still returns nothing.")
            sim = simulate_fmri(noise_sd=noise_sd, n_subjects=n_subjects, seed=seed)
            measured = float(np.median(split_half_consistency(sim.responses, rng=seed)))
            rows.append((noise_sd, n_subjects, _number(got), measured))
    off = [r for r in rows if r[2] is None or abs(r[2] - r[3]) > tolerance]
    if off:
        table = "; ".join(f"noise sd {sd:g}, {n} subjects: predicted {p if p is None else round(p, 2)}, measured "
                          f"{m:.2f}" for sd, n, p, m in off[:3])
        return try_again(f"{len(off)} of {len(rows)} predictions are off by more than {tolerance} ({table}). Hint: "
                         "the signal has variance 1, and averaging n subjects divides the noise variance by n.")
    gap = max(abs(p - m) for _, _, p, m in rows)
    return passed(f"all {len(rows)} predictions (noise sd 1.5 to 6, 4 to 20 subjects) are within {gap:.2f} of the "
                  "measured split-half ceilings.")


def check_best_layer(layer: Any, sim: SimulatedFMRI) -> Feedback:
    """Exercise 6: the best layer of the simulated profile, against the simulation's ground truth."""
    wait = pending("Exercise 6", ("best_layer", layer))
    if wait is not None:
        return wait
    if layer not in sim.layers:
        return try_again(f"{layer!r} is not a layer of the simulation; its layers are {list(sim.layers)}.")
    if layer != sim.best_layer:
        return try_again(f"you picked {layer!r}; the simulation carries the features most strongly in another layer. "
                         "Take the layer with the highest cross-validated score in `profile`.")
    return passed(f"{layer} is the ground-truth best layer (feature strength {sim.layer_strength[layer]:.2f}).")


def check_unit_sweep(sweep: Any, seed: int = 0) -> Feedback:
    """Stretch B: ``{n_units: cross-validated r of the peak layer}`` for simulations of growing layer width.

    The reference is :func:`brainalign.encoding.linear_predictivity` (the same 10 ShuffleSplits, OLS with the
    minimum-norm solution when there are more units than training stimuli).
    """
    wait = pending("Stretch B", ("sweep", sweep))
    if wait is not None:
        return wait
    if not isinstance(sweep, Mapping) or set(sweep) != set(UNIT_SWEEP):
        return try_again(f"sweep should be a dict with one entry per width in T.UNIT_SWEEP = {list(UNIT_SWEEP)}.")
    wrong = []
    for n_units in UNIT_SWEEP:
        sim = simulate_fmri(n_units=n_units, seed=seed)
        expected = float(linear_predictivity(sim.layers[sim.best_layer], sim.mean_response).score)
        got = _number(sweep[n_units])
        if got is None or not np.isclose(got, expected, atol=1e-6):
            wrong.append(f"{n_units} units: got {got}, expected {expected:.4f}")
    if wrong:
        return try_again("; ".join(wrong[:3]) + ". Simulate with T.simulate_fmri(n_units=n, seed=seed) and score "
                         "sim.layers[sim.best_layer] against sim.mean_response with cv_score.")
    worst = min(sweep, key=lambda n: sweep[n])
    best = max(sweep, key=lambda n: sweep[n])
    return passed(f"the score is lowest at {worst} units (r = {sweep[worst]:.2f}) and highest at {best} units "
                  f"(r = {sweep[best]:.2f}); each split trains on 180 stimuli.")


# ----------------------------------------------------------------------------------------------------------------------
# Sections 6-8: real reading times
# ----------------------------------------------------------------------------------------------------------------------
def _scored(words: pd.DataFrame) -> pd.DataFrame:
    return words[words["scored"] == 1]


def check_reliability(value: Any, words: pd.DataFrame) -> Feedback:
    """Exercise 7: the reliability of the mean reading times of the scored words, from their SDs and counts."""
    wait = pending("Exercise 7", ("reliability", value))
    if wait is not None:
        return wait
    got = _number(value)
    scored = _scored(words)
    mean, sd, n = (scored[c].to_numpy(float) for c in ("mean_rt_2016", "sd_rt_2016", "n_subj_2016"))
    expected = reliability_from_sd(mean, sd, n)
    if got is not None and np.isclose(got, expected, atol=2e-3):
        return passed(f"reliability = {got:.3f} over {len(scored)} scored words.")
    hints = {"the noise variance of a mean over n readers is sd**2 / n, not sd**2":
             float(1 - np.nanmean(sd ** 2) / np.nanvar(mean, ddof=1)),
             "use only the scored words (scored == 1)":
             reliability_from_sd(*(words[c].to_numpy(float) for c in ("mean_rt_2016", "sd_rt_2016", "n_subj_2016")))}
    hint = next((h for h, v in hints.items() if got is not None and np.isclose(got, v, atol=2e-3)),
                "1 - mean(sd**2 / n) / var(mean RT)")
    return try_again(f"got {got}, expected {expected:.4f}: {hint}.")


@_feedback_on_error
def check_surprisal_bits(func: Callable[[np.ndarray], np.ndarray]) -> Feedback:
    """Exercise 8: ``func(probabilities) -> surprisal in bits`` (``-log2 p``), elementwise on an array."""
    p = np.array([1.0, 0.5, 0.25, 0.1, 1e-3])
    got = _student(func, "Exercise 8", p)
    if is_placeholder(got):
        return not_yet("Exercise 8: `to_bits` still returns nothing; return -log2 of its argument.")
    got = np.asarray(got, dtype=float)
    expected = -np.log2(p)
    if got.shape != p.shape:
        return try_again(f"to_bits should return one surprisal per probability (shape {p.shape}), got shape "
                         f"{got.shape}.")
    if np.allclose(got, expected):
        return passed("surprisal = -log2 p: a probability of 1/2 is 1 bit, 1/4 is 2 bits, 1/1000 about 10 bits.")
    if np.allclose(got, -np.log(p)):
        hint = "that is the natural log (nats); bits need log base 2 (np.log2)"
    elif np.allclose(got, np.log2(p)):
        hint = "mind the sign: surprisal is -log2 p, never negative"
    else:
        hint = "surprisal in bits is -log2(p)"
    return try_again(f"to_bits({p.tolist()}) gave {np.round(got, 3).tolist()}, expected "
                     f"{np.round(expected, 3).tolist()}: {hint}.")


@_feedback_on_error
def check_word_surprisal(func: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Feedback:
    """Exercise 9: ``func(token_surprisal, word_index) -> word_surprisal``, the sum over each word's tokens.

    ``token_surprisal`` and ``word_index`` (the 0-based word of each token, non-decreasing) have shape [n_tokens];
    the result has shape [n_words].
    """
    rng = np.random.default_rng(1)
    word_index = np.sort(rng.integers(0, 6, size=15))
    word_index = np.searchsorted(np.unique(word_index), word_index)   # words 0..n-1, none empty
    tokens = rng.uniform(0, 12, size=word_index.size)
    got = _student(func, "Exercise 9", tokens, word_index)
    if is_placeholder(got):
        return not_yet("Exercise 9: `word_sums` still returns nothing; return one surprisal per word.")
    got = np.asarray(got, dtype=float)
    expected = np.bincount(word_index, weights=tokens)
    if got.shape != expected.shape:
        return try_again(f"expected {expected.size} word surprisals (one per word), got shape {got.shape}.")
    if np.allclose(got, expected):
        return passed("a word's surprisal is the sum of its tokens' surprisals.")
    means = expected / np.bincount(word_index)
    hint = ("you averaged the tokens; sum them: the log-probability of a whole word is the sum of its tokens' "
            "log-probabilities") if np.allclose(got, means) else "sum the surprisals of the tokens of each word"
    return try_again(f"expected {np.round(expected, 2).tolist()}, got {np.round(got, 2).tolist()}: {hint}.")


def _rt_r(x: np.ndarray, rt: np.ndarray, mask: np.ndarray) -> float:
    return float(stats.pearsonr(x[mask], rt[mask]).statistic)


def check_reading_time_r(value: Any, words: pd.DataFrame) -> Feedback:
    """Exercise 10: Pearson r of surprisal and mean reading time over the scored words with a finite surprisal.

    Parameters
    ----------
    value : float
        The student's r.
    words : pandas.DataFrame
        One story, with columns ``surprisal``, ``mean_rt_2016``, ``scored``.
    """
    wait = pending("Exercise 10", ("r_surprisal", value))
    if wait is not None:
        return wait
    got = _number(value)
    s, rt = words["surprisal"].to_numpy(float), words["mean_rt_2016"].to_numpy(float)
    finite = np.isfinite(s) & np.isfinite(rt)
    mask = finite & (words["scored"].to_numpy() == 1)
    expected = _rt_r(s, rt, mask)
    if got is not None and np.isclose(abs(got), abs(expected), atol=1e-6):
        return passed(f"r = {got:.3f} over {int(mask.sum())} scored words.")
    if got is None or np.isnan(got):
        return try_again("your r is nan: the first word of the story has no surprisal (NaN); keep only words with a "
                         "finite surprisal (np.isfinite).")
    hint = ("you kept the sentence-initial words; keep only the scored ones (scored == 1)"
            if np.isclose(got, _rt_r(s, rt, finite), atol=1e-6) else "Pearson r over the scored words")
    return try_again(f"got r = {got:.4f}, expected {expected:.4f} over the {int(mask.sum())} scored words: {hint}.")


def check_length_baseline(r_length: Any, gain: Any, words: pd.DataFrame) -> Feedback:
    """Stretch C: r of word length with reading time, and the R² that surprisal adds to a length-only model.

    Over the scored words with a finite surprisal; length = number of letters and digits (``word_core``); R² of
    least-squares fits with an intercept on all those words.
    """
    wait = pending("Stretch C", ("r_length", r_length), ("gain", gain))
    if wait is not None:
        return wait
    sub = words[(words["scored"] == 1) & np.isfinite(words["surprisal"])]
    length = sub["word_core"].astype(str).str.len().to_numpy(float)[:, None]
    both = np.column_stack([length, sub["surprisal"].to_numpy(float)])
    rt = sub["mean_rt_2016"].to_numpy(float)
    expected_r = float(stats.pearsonr(length[:, 0], rt).statistic)
    r2 = {k: LinearRegression().fit(x, rt).score(x, rt) for k, x in (("length", length), ("both", both))}
    expected_gain = float(r2["both"] - r2["length"])
    got_r, got_gain = _number(r_length), _number(gain)
    if got_r is None or not np.isclose(got_r, expected_r, atol=1e-6):
        return try_again(f"r_length = {got_r}, expected {expected_r:.4f}: correlate the number of characters of "
                         "word_core with mean_rt_2016 over the scored words with a finite surprisal.")
    if got_gain is None or not np.isclose(got_gain, expected_gain, atol=1e-6):
        return try_again(f"gain = {got_gain}, expected {expected_gain:.4f}: R² of length + surprisal minus R² of "
                         "length alone (LinearRegression().fit(X, y).score(X, y)).")
    return passed(f"length alone: r = {got_r:.3f} (R² = {r2['length']:.3f}); adding surprisal raises R² by "
                  f"{got_gain:.3f} to {r2['both']:.3f}.")


def check_ridge(ridge_r: Any, ridge_better: Any, layers: StoryLayers, layer: str) -> Feedback:
    """Stretch D: the cross-validated r of ridge regression (``RidgeCV(alphas=RIDGE_ALPHAS)``) on one layer, and
    whether it beats OLS on the same splits.

    The reference is :func:`brainalign.encoding.ridge_predictivity` with the 10 ShuffleSplits of ``random_state=1``
    (scikit-learn's ``RidgeCV``: one alpha per training set by efficient leave-one-out).
    """
    wait = pending("Stretch D", ("ridge_r", ridge_r), ("ridge_better", ridge_better))
    if wait is not None:
        return wait
    X, y = layers.features[layer], layers.reading_times[:, None]
    ridge = float(ridge_predictivity(X, y, random_state=1, alphas=RIDGE_ALPHAS).score)
    ols = float(linear_predictivity(X, y).score)
    got = _number(ridge_r)
    if got is None or not np.isclose(got, ridge, atol=1e-5):
        return try_again(f"ridge_r = {got}, expected {ridge:.4f}: cv_score(features, reading_times, "
                         "RidgeCV(alphas=T.RIDGE_ALPHAS)) on the layer `best_real`.")
    if bool(ridge_better) != (ridge > ols):
        return try_again(f"ridge r = {ridge:.3f}, OLS r = {ols:.3f} on the same splits: is ridge_better right?")
    return passed(f"{layer}: ridge r = {ridge:.3f}, OLS r = {ols:.3f} ({'ridge' if ridge > ols else 'OLS'} is "
                  "better on these splits).")

